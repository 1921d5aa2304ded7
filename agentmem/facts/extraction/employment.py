"""Where a subject works, read from the verb frame, for the parse extractor
(`extraction_parse`): "I'm interning for Deloitte", "Lars just started at Spotify", "I've
been at Accenture for six years".

The small entity recogniser names organisations as people, places or works of art
("Spotify" a place, "Accenture" a work of art), so the frame decides, not the label:

    working    a verb of working (work, intern, temp, freelance, consult) + at/for + a name;
               also its progressive where the tagger took the participle for an adjective
               ("I'm interning for X": "interning" an adjective complement of "'m")
    beginning  start, begin + at + a name ("started at Spotify": a first day there)

A name the recogniser calls a date or a time is not an employer ("started at Christmas");
one it calls a place is (one works at an airport, and it calls "Spotify" a place), so a time
name it takes for a place is read as one ("started at Easter": "Easter" a facility); a negated,
hypothetical or future clause is not read (`extraction_parse`). The attribute table reads
"work at", "work for" and "join" itself (`extraction_predicates`); "be at X" is read by the
copula (`extraction_copula`).
"""

from __future__ import annotations

from collections.abc import Iterator

from agentmem.facts.extraction.docs import entity_type
from agentmem.facts.extraction.values import value_text

WORKING = frozenset({"work", "intern", "temp", "freelance", "consult"})
BEGINNING = frozenset({"start", "begin"})
# Entity types that name no place of work in a frame of working or beginning ("started at
# Easter"); a place is one ("works at Heathrow": the recogniser also calls firms places).
TIMES = frozenset({"DATE", "TIME", "EVENT"})
# Being *at* a place is a visit ("I'm at Heathrow"): there the label of a place counts.
NOT_EMPLOYERS = TIMES | {"GPE", "LOC", "FAC"}
# Nouns of what work earns one ("make a living", "earn my keep"): "as" after them names a role.
LIVELIHOOD = frozenset({"living", "keep", "livelihood", "crust", "wage", "wages"})


def employer(pred) -> Iterator[tuple[str, str]]:
    """("works_at", name) of a frame of working or beginning at a named place of work; the
    role one earns one's living as (`livelihood`)."""
    if role := livelihood(pred):
        yield "job_title", role
        return
    for verb in (pred, *(c for c in pred.children if c.dep_ == "acomp")):
        lemmas = _lemmas(verb)
        if lemmas & WORKING:
            preps = ("at", "for")
        elif lemmas & BEGINNING and verb.i == pred.i:
            preps = ("at",)
        else:
            continue
        for prep in (c for c in verb.children if c.dep_ == "prep" and c.lower_ in preps):
            obj = next((c for c in prep.children if c.dep_ == "pobj"), None)
            if obj is None or obj.pos_ != "PROPN" or entity_type(obj) in TIMES:
                continue
            if value := value_text(obj):
                yield "works_at", value
                return


def livelihood(pred) -> str:
    """The role in "make my living as a translator", "earn a living as a locksmith", "earn
    my keep as a tutor": a verb whose object is a noun of livelihood, with "as" and a noun
    (on the verb or on the object); "" where there is none."""
    obj = next((c for c in pred.children if c.dep_ == "dobj"), None)
    if obj is None or obj.lemma_.lower() not in LIVELIHOOD:
        return ""
    for prep in (c for t in (pred, obj) for c in t.children if c.dep_ == "prep"):
        role = next((c for c in prep.children if c.dep_ == "pobj"), None)
        if prep.lower_ == "as" and role is not None and role.pos_ == "NOUN":
            return value_text(role, role=True)
    return ""


def _lemmas(verb) -> set[str]:
    """The verb's lemma, and for an -ing form the verb it is formed on, where the tagger
    took the participle for an adjective ("interning") or the lemmatiser guessed ("temping"
    -> "tempe")."""
    lemmas = {verb.lemma_.lower()}
    if verb.lower_.endswith("ing"):
        lemmas.add(verb.lower_[: -len("ing")])
    return lemmas


__all__ = ["LIVELIHOOD", "NOT_EMPLOYERS", "TIMES", "employer", "livelihood"]
