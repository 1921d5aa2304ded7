"""Life events of a subject's past that state a lasting fact, for the parse extractor
(`extraction_parse`): where one grew up, was born or raised, where one studied.

Most verbs in the simple past tell an event that no longer holds ("I went to Paris"); the
verbs of origin and of schooling tell one that stays true of the subject for life, and
name its place after a locative preposition, in the active ("Ingrid grew up on a farm near
Tromsø") or the passive ("Aroha was raised in Rotorua by her grandparents"):

    origin     grow up, be born, be raised, be brought up + in/on/at/near X -> `from`
               (being born also -> `born_in`: `birthplace`)
    schooling  study, graduate, train + at/in/from a named X -> `study_at` ... (`related_slot`;
               "studied in the library" names no school)

The value of an origin is the place the preposition's object names, bounded by the named
place (`values.place_text`: "a farm near Tromsø" -> Tromsø; a place with no name on its
chain is its constituent, "a farm"); of a school, the object's constituent; the agent "by
her grandparents" is no place. The attribute
table reads "born in", "grew up in" itself (`extraction_predicates`); this reads the verbs
of the class with any locative preposition.
"""

from __future__ import annotations

from collections.abc import Iterator

from agentmem.facts.extraction.values import place_text, value_text
from agentmem.facts.vocabulary import related_slot

ORIGIN = frozenset({"grow up", "bear", "raise", "bring up"})
SCHOOLING = frozenset({"study", "graduate", "train"})
PLACES = ("in", "on", "at", "near", "from")


def birthplace(pred, readings: list) -> list:
    """The `born_in` reading beside each `from` a verb of being born states ("I was born in
    Accra"): a birthplace is fixed for life, where one grew up is `from` too, so "born in
    Accra but raised in Leeds" keeps Accra as the birthplace whichever `from` holds."""
    if pred.lemma_.lower() != "bear":
        return []
    return [(s, "born_in", v, negated) for s, a, v, negated in readings if a == "from"]


def life_events(pred) -> Iterator[tuple[str, str]]:
    """(attribute, value) of the first place a verb of origin or schooling names."""
    particle = next((c.lower_ for c in pred.children if c.dep_ == "prt"), "")
    said = f"{pred.lemma_.lower()} {particle}".strip()
    if said not in ORIGIN and said not in SCHOOLING:
        return
    for prep in (c for c in pred.children if c.dep_ == "prep" and c.lower_ in PLACES):
        obj = next((c for c in prep.children if c.dep_ == "pobj"), None)
        if obj is None or obj.pos_ not in ("NOUN", "PROPN"):
            continue
        value = place_text(obj) if said in ORIGIN else value_text(obj)
        if not value:
            continue
        if said in SCHOOLING and obj.pos_ != "PROPN":  # "studied in the library": a place of
            continue  # an evening; a school is named
        slot = "from" if said in ORIGIN else related_slot(pred.lemma_.lower(), prep.lower_)
        if slot is not None:
            yield slot, value
            return


__all__ = ["birthplace", "life_events"]
