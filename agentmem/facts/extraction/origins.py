"""Life events of a subject's past that state a lasting fact, for the parse extractor
(`extraction_parse`): where one grew up, was born or raised, where one studied.

Most verbs in the simple past tell an event that no longer holds ("I went to Paris"); the
verbs of origin and of schooling tell one that stays true of the subject for life, and
name its place after a locative preposition, in the active ("Ingrid grew up on a farm near
Tromsø") or the passive ("Aroha was raised in Rotorua by her grandparents"):

    origin     grow up, be born, be raised, be brought up + in/on/at/near X -> `from`
               (being born also -> `born_in`: `birthplace`); spend + a stage of life
               ("spent her childhood in Seville", "my early years") + in/on/near X
    schooling  study, graduate, train, read (a field), be schooled/educated + at/in/from a
               named X -> `study_at` ... (`related_slot`; "studied in the library" names
               no school); a light verb with a noun of schooling: go to / attend (bare)
               university, school, college; do, get, earn, complete a degree, a PhD ->
               `study_at` (`study_in` after "in") the named school or the place named
               after the verb or the noun ("went to university in Ankara", "went to
               Trinity College", "got her PhD from Stanford")

The place of schooling is the verb's, or its object's where the object is the field studied
("engineering at Chalmers"); an object with a determiner is a thing examined, not a field
("studied the map at the station", "read a novel at Heathrow"). A noun of schooling counts
bare ("to university") or as the head of a name ("Trinity College"); with an article it is
a visit ("a university fair"). A stage of life is a noun of childhood or years that are
early or formative; other spans ("my summers", "my twenties") tell no origin.

The value of an origin is the place the preposition's object names, bounded by the named
place (`values.place_text`: "a farm near Tromsø" -> Tromsø; a place with no name on its
chain is its constituent, "a farm"); of a school, the object's constituent; the agent "by
her grandparents" is no place. The attribute
table reads "born in", "grew up in" itself (`extraction_predicates`); this reads the verbs
of the class with any locative preposition.
"""

from __future__ import annotations

from collections.abc import Iterator

from agentmem.facts.extraction.values import a_time, place_text, value_text
from agentmem.facts.vocabulary import related_slot

ORIGIN = frozenset({"grow up", "bear", "raise", "bring up"})
SCHOOLING = frozenset({"study", "graduate", "train", "read", "school", "educate"})
FIELD_FIRST = frozenset({"read"})  # "read law at Oxford": without a field, reading
PLACES = ("in", "on", "at", "near", "from")
SCHOOLS = frozenset(
    {"university", "uni", "college", "school", "academy", "polytechnic", "conservatory"}
)
DEGREES = frozenset(
    {"degree", "phd", "doctorate", "master", "masters", "bachelor", "diploma", "mba", "dphil"}
)
ATTENDING = frozenset({"go", "attend"})
EARNING = frozenset({"do", "get", "earn", "complete", "finish", "take"})
LIFE_STAGES = frozenset(
    {"childhood", "boyhood", "girlhood", "youth", "adolescence", "infancy", "teens", "teen"}
)
EARLY = frozenset({"early", "formative", "teenage", "school"})  # "my early years"


def birthplace(pred, readings: list) -> list:
    """The `born_in` reading beside each `from` a verb of being born states ("I was born in
    Accra"): a birthplace is fixed for life, where one grew up is `from` too, so "born in
    Accra but raised in Leeds" keeps Accra as the birthplace whichever `from` holds."""
    if pred.lemma_.lower() != "bear":
        return []
    return [(s, "born_in", v, negated) for s, a, v, negated in readings if a == "from"]


def life_events(pred) -> Iterator[tuple[str, str]]:
    """(attribute, value) of the first place a verb of origin or schooling names, or a
    light verb with a noun of schooling or a stage of life."""
    particle = next((c.lower_ for c in pred.children if c.dep_ == "prt"), "")
    said = f"{pred.lemma_.lower()} {particle}".strip()
    if said in ORIGIN or _stage_of_life(pred):
        yield from _first_place(pred, [pred], origin=True)
    elif said in SCHOOLING:
        yield from _studied(pred)
    elif (school := _schooling_noun(pred)) is not None:
        if _named(school) and (value := value_text(school)):
            yield "study_at", value  # "went to Trinity College"
        else:
            yield from _first_place(pred, [pred, school], origin=False)


def _studied(pred) -> Iterator[tuple[str, str]]:
    """A verb of schooling's place: the verb's, or its object's where the object is a bare
    field ("engineering at Chalmers")."""
    obj = next((c for c in pred.children if c.dep_ == "dobj"), None)
    if obj is not None and not _bare(obj):
        return  # "studied the map at the station": a thing examined
    if obj is None and pred.lemma_.lower() in FIELD_FIRST:
        return
    heads = [pred] if obj is None else [pred, obj]
    yield from _first_place(pred, heads, origin=False)


def _first_place(pred, heads: list, *, origin: bool) -> Iterator[tuple[str, str]]:
    for prep in (c for h in heads for c in h.children if c.dep_ == "prep"):
        obj = next((c for c in prep.children if c.dep_ == "pobj"), None)
        if prep.lower_ not in PLACES or obj is None or obj.pos_ not in ("NOUN", "PROPN"):
            continue
        if a_time(obj):  # "born in March": when, not where
            continue
        if not origin and obj.pos_ != "PROPN":  # "studied in the library": a place of
            continue  # an evening; a school is named
        value = place_text(obj) if origin else value_text(obj)
        slot = "from" if origin else _school_slot(pred, prep.lower_)
        if value and slot is not None:
            yield slot, value
            return


def _school_slot(pred, preposition: str) -> str | None:
    """`study_at` ... for the verbs of schooling that are not themselves a slot's verb
    ("read", "schooled", a light verb); "from" a school is where one studied."""
    lemma = pred.lemma_.lower()
    verb = lemma if lemma in ("study", "graduate", "train") else "study"
    if verb == "study" and preposition == "from":
        preposition = "at"  # "got her PhD from Stanford"
    return related_slot(verb, preposition)


def _schooling_noun(pred):
    """The noun of schooling a light verb takes: "went to university", "attended the
    University of Ghana", "did her degree"."""
    lemma = pred.lemma_.lower()
    if lemma in ATTENDING:
        nouns = [c for c in pred.children if c.dep_ == "dobj"] if lemma == "attend" else []
        for to in (c for c in pred.children if c.dep_ == "prep" and c.lower_ == "to"):
            nouns += [c for c in to.children if c.dep_ == "pobj"]
        return next((n for n in nouns if _school(n)), None)
    if lemma in EARNING:
        objs = (c for c in pred.children if c.dep_ == "dobj")
        return next((o for o in objs if o.lower_ in DEGREES or o.lemma_.lower() in DEGREES), None)
    return None


def _school(noun) -> bool:
    """A bare noun of schooling ("to university") or a name headed by one ("Trinity
    College", "the University of Ghana")."""
    if noun.lemma_.lower() not in SCHOOLS:
        return False
    if _named(noun):
        return any(c.dep_ in ("compound", "prep") for c in noun.children)
    return _bare(noun)


def _named(noun) -> bool:
    """A proper noun as written: the tagger calls a lower-case "uni" one too."""
    return noun.pos_ == "PROPN" and noun.text[:1].isupper()


def _stage_of_life(pred) -> bool:
    """ "spent her childhood", "spent my early years": a stage of life spent somewhere."""
    if pred.lemma_.lower() != "spend":
        return False
    for obj in (c for c in pred.children if c.dep_ == "dobj"):
        if obj.lemma_.lower() in LIFE_STAGES or obj.lower_ in LIFE_STAGES:
            return True
        if obj.lemma_.lower() in ("year", "life"):
            return any(c.dep_ in ("amod", "compound") and c.lower_ in EARLY for c in obj.children)
    return False


def _bare(noun) -> bool:
    """No article or demonstrative before the noun (a possessive may stand: "her
    degree")."""
    return not any(c.dep_ in ("det", "predet") for c in noun.children)


__all__ = ["birthplace", "life_events"]
