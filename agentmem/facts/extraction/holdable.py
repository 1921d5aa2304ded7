"""Whether what one "has" is a thing one holds, for the holdings reader (`extraction_holdings`).

"I have a cello" states a possession; "I have a question", "I've got a splitting headache",
"we had a great time" use "have" as a light verb: the noun is a thought, a state of the body
or mind, an event or a span of time, and nothing is owned. English marks no difference in
the grammar, and the small English pipeline carries no noun classes, so the noun's meaning
decides: "I have a <noun>." is embedded by the bundled MiniLM and compared with two sets of
kinds, things one can own (vehicles, animals, buildings, instruments, tools, land, a
business, a document, an account or membership) and things one only experiences or takes
part in (thoughts, emotions, illnesses, events, spans of time, difficulties, conversations,
opportunities). The nearer kind decides; there is no tuned threshold. Checked on a list of
nouns apart from the hand suites (`tests/test_extraction_holdable.py`). Without the bundled
embedder every object counts as held, as before.
"""

from __future__ import annotations

import functools

from agentmem.facts.extraction.similar import embed

HOLDABLE_KINDS = (
    "a vehicle",
    "an animal or pet",
    "a building or home",
    "a musical instrument",
    "a tool or device",
    "furniture",
    "a piece of land or garden",
    "a business or shop",
    "a ticket or document",
    "clothing or jewellery",
    "an account, subscription or membership",
)
EXPERIENCED_KINDS = (
    "a thought or opinion",
    "an emotion",
    "an illness, pain or symptom",
    "an event or appointment",
    "a period of time",
    "a difficulty",
    "a conversation",
    "an opportunity",
)


@functools.lru_cache(maxsize=4096)
def holdable(noun_phrase: str) -> bool:
    """Whether "I have a `noun_phrase`" names a thing held rather than one experienced."""
    sets = kinds()
    vector = None if sets is None else embed([f"I have a {noun_phrase}."])
    if sets is None or vector is None:
        return True
    held, experienced = sets
    return float((held @ vector[0]).max()) >= float((experienced @ vector[0]).max())


ANIMAL_KINDS = ("an animal or pet", "a breed of dog or cat")
OTHER_KINDS = (
    *(k for k in HOLDABLE_KINDS if "animal" not in k),
    *EXPERIENCED_KINDS,
    "a person",
    "a child",
    "a plan, rule or policy",
    "a method or approach",
)


@functools.lru_cache(maxsize=4096)
def an_animal(noun: str) -> bool:
    """Whether "a `noun`" is nearer an animal than any other kind of thing, person or idea
    ("a greyhound", "an alpaca"; "a child", "a policy" are not). False without the embedder:
    then the pet lexicon alone names animals."""
    sets = _animal_kinds()
    vector = None if sets is None else embed([f"a {noun}"])
    if sets is None or vector is None:
        return False
    animal, other = sets
    return float((animal @ vector[0]).max()) >= float((other @ vector[0]).max())


@functools.cache
def _animal_kinds():
    animal, other = embed(list(ANIMAL_KINDS)), embed(list(OTHER_KINDS))
    return None if animal is None or other is None else (animal, other)


@functools.cache
def kinds():
    """The two sets of kinds, embedded (held, experienced); None without the embedder."""
    held, experienced = embed(list(HOLDABLE_KINDS)), embed(list(EXPERIENCED_KINDS))
    return None if held is None or experienced is None else (held, experienced)


__all__ = ["ANIMAL_KINDS", "EXPERIENCED_KINDS", "HOLDABLE_KINDS", "an_animal", "holdable", "kinds"]
