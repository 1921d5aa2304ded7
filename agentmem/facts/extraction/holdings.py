"""What a subject holds, for the parse extractor (`extraction_parse`): a possession, a
relationship, or a relation named by a verb and its preposition.

English states a holding with a verb of the present (or a progressive) and its object; the
verb's class names the slot, and the value is the object's constituent
(`extraction_values`):

    possessing  have, keep, rent, "have got" + object -> `owns` (a pet: `has_pet`):
                "I have two ferrets", "We've got an allotment", "Tobias has a tortoise"
    relating    date, see (progressive), go out with + a person -> `dating` (several at
                once): "I'm seeing Oskar", "Dagny is dating Felix"
    wedding     marry, wed, get engaged/married to + a person, in any tense (the past
                states the result) -> `spouse`, one at a time: "Kofi married Efua"
    related     any other verb + preposition + object the attribute table does not name ->
                a slot named by the verb and the preposition, `volunteer_at`: "I volunteer
                at the food bank", "I subscribe to The Economist" (`related_slot`)

"have" is also a light verb ("a question", "a headache": not held, `extraction_holdable`).
Several possessions hold at once (`owns`, `has_pet` and a verb-named slot are multi-valued:
`vocabulary.is_multi_valued`); a spouse replaces the one before and ends every `dating`
partner (`facts.endings`). Not holdings: what one "has" at a time ("a meeting at noon": a
time expression in the clause), an object the table names a slot for ("a sister", "a job":
its own readers), a pronoun, "no X". The slot of a verb of change (`extraction_change`) is
read there; the verbs the table reads (live, work, own ...) are read by
`extraction_predicates` first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from agentmem.facts.extraction.activity import (
    STATE_VERBS,
    activities,
    base_past,
    habitual,
    outing,
)
from agentmem.facts.extraction.base import USER
from agentmem.facts.extraction.change_verbs import SPANS
from agentmem.facts.extraction.constituents import called
from agentmem.facts.extraction.docs import entity_type
from agentmem.facts.extraction.employment import LIVELIHOOD
from agentmem.facts.extraction.holdable import an_animal, holdable
from agentmem.facts.extraction.lexicon import CHILDREN, PETS, SIBLINGS, names_a_person
from agentmem.facts.extraction.pipeline import predicate_index
from agentmem.facts.extraction.subjects import looks_named, parties, who
from agentmem.facts.extraction.values import (
    BARE_NOUNS,
    a_time,
    number_value,
    time_of_day,
    value_text,
)
from agentmem.facts.vocabulary import SLOT_PREPOSITIONS, related_slot

POSSESSING = frozenset({"have", "keep", "rent"})
RELATING = frozenset({"date", "see", "go out", "court"})
# A verb whose present means a relationship only in the progressive ("I'm seeing Oskar";
# "I see Oskar" is perceiving).
PROGRESSIVE_ONLY = frozenset({"see"})
# Verbs and participles of an exclusive partnership, whose past states the result ("Kofi
# married Efua", "I got engaged to Matteo"): the partner is the subject's spouse.
WEDDING = frozenset({"marry", "wed"})
WEDDED = frozenset({"married", "engaged", "wed"})
OWN_SLOTS = frozenset({"owns", "has_pet", "spouse", "dating"})
# Prepositions of how long a couple has lasted ("together since uni", "with Noor for years").
LASTING = frozenset({"for", "since"})
TIME_ENTITIES = frozenset({"DATE", "TIME"})
# Nouns of a length of time ("for two years", "for ages", "for a long time", "for decades").
DURATIONS = SPANS | {"time", "age", "decade", "century", "eternity", "moment", "now"}
_PETS = frozenset(re.split(r"\|", PETS))


def held_or_done(pred, *, any_tense: bool = False) -> list[tuple[str, str]]:
    """What a verb states its subject holds (`holdings`) or does (`activities`): a
    possession or a partner is not also a pastime ("I rent a flat" is no "renting flat")."""
    held = list(holdings(pred, any_tense=any_tense))
    if any(attribute in OWN_SLOTS for attribute, _ in held):
        return held
    return held + [("does", v) for v in activities(pred, any_tense=any_tense)]


def holdings(pred, *, any_tense: bool = False) -> Iterator[tuple[str, str]]:
    """(attribute, value) of what the verb states its subject holds (`any_tense`: under a
    verb of ending, whose gerund is untensed)."""
    phrase = _phrase(pred)
    if wed := list(_wed(pred)):
        yield from (("spouse", v) for v in wed)
        return
    if not any_tense and not (_present(pred) or _got(pred)):
        return
    if phrase in POSSESSING or _got(pred):
        if not _timed(pred):
            yield from _possessed(pred, light=phrase == "have" or _got(pred))
    elif phrase in RELATING:
        if phrase not in PROGRESSIVE_ONLY or pred.tag_ == "VBG" or any_tense:
            yield from (("dating", v) for v in _partners(pred))
    elif phrase not in STATE_VERBS and (any_tense or _untimed_present(pred)):
        yield from _related(pred)
    elif _slot_verb(phrase) and (any_tense or _untimed_present(pred)):
        yield from _related(pred, OTHER_RELATIONS)


# The prepositions a verb of the table ("live", "work") takes for a relation the table does
# not read: company and nearness. The table's own ("in", "at", "for", "from") with another
# object name a field, a manner or a time ("work in finance", "works in mysterious ways",
# "work in shifts"), which stay unread.
OTHER_RELATIONS = frozenset({"with", "near", "outside", "by", "on", "under"})


def _slot_verb(phrase: str) -> bool:
    """A verb the table reads with some preposition ("live in", "work at"): with one of
    `OTHER_RELATIONS` it names another relation ("live with my parents", "live near
    Bristol", "work with horses"), read as any verb with its preposition is."""
    index = predicate_index()
    return any(f"{phrase} {p}" in index for p in SLOT_PREPOSITIONS)


def _phrase(pred) -> str:
    particle = next((c.lower_ for c in pred.children if c.dep_ == "prt"), "")
    return f"{pred.lemma_.lower()} {particle}".strip()


def _present(pred) -> bool:
    """Simple present or progressive; also a verb whose past is written as its base ("I
    knit", "we put"), which the tagger reads as a past and a first person says of now."""
    return habitual(pred) or base_past(pred)


def _untimed_present(pred) -> bool:
    """A simple present or a perfect progressive: a progressive alone says what happens now
    or next ("I'm going to Paris next week"), not a relation that holds."""
    return pred.tag_ in ("VBP", "VBZ") or any(c.lower_ == "been" for c in pred.children)


def holds_now(pred) -> bool:
    """ "I've got a Vespa": the perfect of "get" states a present possession."""
    return _got(pred)


def _got(pred) -> bool:
    """ "I've got a Vespa": a present possession in the perfect of "get" (also where the
    tagger read the participle as a past: "I've got two rabbits", "got" VBD)."""
    if pred.lemma_.lower() != "get" or pred.tag_ not in ("VBN", "VBD"):
        return False
    return any(
        c.dep_ == "aux" and c.lemma_ == "have" and c.tag_ in ("VBP", "VBZ") for c in pred.children
    )


def _timed(pred) -> bool:
    """A time expression in the clause: what one has then is an event ("a meeting at noon")."""
    return any(entity_type(t) in TIME_ENTITIES for t in pred.subtree if t.i != pred.i)


def _possessed(pred, *, light: bool) -> Iterator[tuple[str, str]]:
    """What "have", "keep", "rent" name as held (`light`: "have"/"got", whose object may be
    a thing experienced, "a question", "a headache": `extraction_holdable`)."""
    obj = next((c for c in pred.children if c.dep_ == "dobj"), None)
    for each in () if obj is None else (obj, *obj.conjuncts):
        if not _thing(each) or _denied(each):
            continue
        if kin := _kin(each):  # "we have two boys", "my sister has a daughter"
            yield kin
            continue
        if predicate_index().get(each.lemma_.lower()):
            continue  # "a sister", "a job": a slot of its own, read by the table's readers
        if each.pos_ == "NOUN" and names_a_person(each):
            continue  # "two girls", "a boy": a person is had as kin, never owned
        value = value_text(each, adjective=True, role=True)  # the thing, not its name or place
        if value and (not light or each.pos_ == "PROPN" or holdable(value)):
            pet = each.lemma_.lower() in _PETS or _named_animal(each)
            yield ("has_pet" if pet else "owns"), value
            if pet and (named := called(each)):  # "a parrot named Captain", as the rules say it
                yield "pet_name", f"{' '.join(n.text for n in named)} ({each.lemma_.lower()})"


def _named_animal(noun) -> bool:
    """A kind of animal the pet lexicon lacks, given a name ("a cockapoo named Bean", "an
    axolotl called Gus"): a named animal one has is a pet. By the embedder's kinds
    (`holdable.an_animal`); only named, since a bare word ("a teddy") may be a toy."""
    common = noun.pos_ == "NOUN" or (noun.pos_ == "PROPN" and noun.text.islower())  # "whippet"
    return common and called(noun) is not None and an_animal(noun.lemma_.lower())


def _kin(noun) -> tuple[str, str] | None:
    """("has_child" or "has_sibling", value) of a noun of children or siblings had, as the
    rule table words it for "I have ...": the kind for one ("a boy": son), the count and the
    noun as said for more ("two boys": 2 boys); None for any other noun."""
    word = noun.lower_
    kind = CHILDREN.get(word) or SIBLINGS.get(word)
    if kind is None:
        return None
    count = next((number_value(c) for c in noun.children if c.dep_ == "nummod"), None) or 1
    attribute = "has_child" if word in CHILDREN else "has_sibling"
    return attribute, kind if count == 1 else f"{count} {word}"


def _thing(token) -> bool:
    """A noun, also one the tagger took for an adjective after an article ("a flat")."""
    if token.pos_ in ("NOUN", "PROPN"):
        return True
    return token.pos_ == "ADJ" and any(c.dep_ == "det" for c in token.children)


def _denied(noun) -> bool:
    return any(c.dep_ == "det" and c.lower_ == "no" for c in noun.children)


def _partners(pred) -> Iterator[str]:
    """The people a verb of relating names, as its object or after "with"."""
    objects = [c for c in pred.children if c.dep_ == "dobj"]
    for prep in (c for c in pred.children if c.dep_ == "prep" and c.lower_ == "with"):
        objects += [c for c in prep.children if c.dep_ == "pobj"]
    for obj in objects:
        for each in (obj, *obj.conjuncts):
            if _person(each) and (value := value_text(each)):
                yield value


def _wed(pred) -> Iterator[str]:
    """The partner "married X", "wed X", "got engaged/married to X" names."""
    if pred.lemma_.lower() in WEDDING:
        objects = [c for c in pred.children if c.dep_ == "dobj"]
    elif pred.lemma_.lower() == "get":
        wedded = [c for c in pred.children if c.dep_ == "acomp" and c.lower_ in WEDDED]
        preps = [p for w in wedded for p in w.children if p.dep_ == "prep" and p.lower_ == "to"]
        objects = [c for p in preps for c in p.children if c.dep_ == "pobj"]
    else:
        return
    for each in (e for obj in objects for e in (obj, *obj.conjuncts)):
        if _person(each) and (value := value_text(each)):
            yield value


def together(pred) -> Iterator[tuple[str, str, str]]:
    """(one, "spouse", other) of each pair of a coordinated subject that "is" or "got"
    together ("Jasper and I are together", "Yusuf and I have been together since uni",
    "Aleksander and I got together"): a couple, not company (another adjunct, "together in
    this", "together at the cinema", is an occasion). The speaker is a value of no one's."""
    if pred.lemma_.lower() not in ("be", "get") or not any(
        c.dep_ in ("advmod", "prt", "acomp") and c.lower_ == "together" for c in pred.children
    ):
        return
    if any(c.dep_ == "prep" and c.lower_ not in LASTING for c in pred.children):
        return
    everyone = [w for t in parties(pred) if (w := who(t) or _named_party(t)) is not None]
    for one in everyone:
        for other in (s for s in everyone if s not in (one, USER)):
            yield one, "spouse", other


def partner_with(pred, subject: str) -> Iterator[tuple[str, str]]:
    """("spouse", name) of "I'm with Jasper", "I've been with Noor for two years", "Marisol
    is with Kenji these days": being with a named person, with no adjunct but how long or
    "now", is a couple; "with the kids", "with Priya at the cinema", "with Omar today" are
    company (the entity type is not asked: the small recogniser calls names places). The
    subject must be a person (`names_a_person`): "Our broadband is with Plusnet" names a
    provider."""
    subj = next((c for c in pred.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if subj is not None and not (names_a_person(subj) or looks_named(subj)):
        return
    for child in pred.children:
        if child.dep_ == "prep" and not (child.lower_ == "with" or how_long(child)):
            return
        if child.dep_ == "npadvmod" and not _present_period(child):
            return
    for prep in (c for c in pred.children if c.dep_ == "prep" and c.lower_ == "with"):
        for obj in (c for c in prep.children if c.dep_ == "pobj" and c.pos_ == "PROPN"):
            purpose = (c for c in obj.children if c.dep_ == "prep" and c.lower_ == "for")
            if any(not how_long(c) for c in purpose):
                continue  # "with Octopus for gas": a provider, for a purpose
            if who(obj) != subject and (value := value_text(obj)):
                yield "spouse", value


def how_long(prep) -> bool:
    """A preposition of how long: "since" anything ("since March", "since we met"); "for" a
    span of time ("for two years", "for a while"), not a purpose ("with Vodafone for my
    phone": a provider)."""
    if prep.lower_ == "since":
        return True
    if prep.lower_ not in LASTING:
        return False
    span = next((c for c in prep.children if c.dep_ in ("pobj", "pcomp")), None)
    return span is not None and (
        entity_type(span) in TIME_ENTITIES or span.lemma_.lower() in DURATIONS or a_time(span)
    )


def _present_period(token) -> bool:
    """ "these days", "nowadays": the present as a period, not an occasion ("today")."""
    return token.lower_ in ("days", "nowadays") and entity_type(token) != "TIME"


def _named_party(token) -> str | None:
    return token.text if token.text[:1].isupper() and token.pos_ in ("PROPN", "NOUN") else None


def _person(token) -> bool:
    return token.pos_ == "PROPN" or entity_type(token) == "PERSON"


def _related(pred, prepositions: frozenset[str] | None = None) -> Iterator[tuple[str, str]]:
    """A verb the table does not read, with a preposition (of `prepositions`, where given)
    and its object and no object of its own: a slot named by both ("volunteer at",
    "subscribe to")."""
    if any(c.dep_ == "dobj" for c in pred.children) or outing(pred):
        return  # "go for a run" is an activity (`activity.outing`), no slot `go_for`
    head = pred.lemma_.lower()
    for prep in (c for c in pred.children if c.dep_ == "prep"):
        if prepositions is not None and prep.lower_ not in prepositions:
            continue
        if predicate_index().get(f"{head} {prep.lower_}"):
            continue
        obj = next((c for c in prep.children if c.dep_ == "pobj"), None)
        if obj is None or obj.pos_ not in ("NOUN", "PROPN") or entity_type(obj) in TIME_ENTITIES:
            continue
        if time_of_day(obj):  # "swim in the evenings", "paint at weekends": when, not a slot
            continue
        if obj.lemma_.lower() in LIVELIHOOD:  # "bake for a living": how, not a slot
            continue
        if obj.lower_ in BARE_NOUNS and not list(obj.children):
            continue  # "work from home", "live at home": a bare noun names nothing
        if (slot := related_slot(head, prep.lower_)) and (value := value_text(obj)):
            yield slot, value


__all__ = [
    "POSSESSING",
    "RELATING",
    "held_or_done",
    "holdings",
    "holds_now",
    "how_long",
    "partner_with",
    "together",
]
