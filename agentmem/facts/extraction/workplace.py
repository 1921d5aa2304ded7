"""Whether what one works at or for is a place of work, for the parse extractor's employers
(`extraction_values.fits`).

"I work at Initech" names an employer by name; "I work at a bakery", "I work for the city
council", "my dad works at the post office" name one by its kind, while "I work at night",
"I work for a living", "I work at a fast pace" and "I work for my sister" name a time, a
purpose, a manner or a person. The grammar is the same and the small English pipeline
carries no noun classes, so the noun's meaning decides, as for holdings
(`extraction_holdable`): "I work at <the noun phrase>." is embedded by the bundled MiniLM and
compared with two sets of kinds, places of work (a company, a shop or restaurant, a public
body, a school or hospital, a factory, a charity) and what else follows the frame (a time, a
purpose or reward, a manner, a person, a place at home). The nearer kind decides; there is
no tuned threshold. Checked on nouns kept apart from the hand suites
(`tests/test_extraction_workplace.py`). Without the bundled embedder no common noun is an
employer, as before.
"""

from __future__ import annotations

import functools

from agentmem.facts.extraction.similar import embed

WORKPLACE_KINDS = (
    "a company or firm",
    "a shop, store or supermarket",
    "a restaurant, cafe or bar",
    "a government body, council or public service",
    "a school, college or university",
    "a hospital or clinic",
    "a factory, plant or warehouse",
    "a charity or organisation",
    "an office or agency",
)
OTHER_KINDS = (
    "a time of day or a day of the week",
    "a span of time",
    "money, pay or a living",
    "a cause, reason or purpose",
    "a speed, pace or manner",
    "a family member, friend or person",
    "a desk, table or computer",
    "home or a room of a house",
    "a task or a project",
)


@functools.lru_cache(maxsize=4096)
def workplace(noun_phrase: str) -> bool:
    """Whether "I work at `noun_phrase`" (as written, with its determiner: "a bakery", "the
    same time") names a place of work."""
    sets = kinds()
    vector = None if sets is None else embed([f"I work at {noun_phrase}."])
    if sets is None or vector is None:
        return False
    work, other = sets
    return float((work @ vector[0]).max()) > float((other @ vector[0]).max())


@functools.cache
def kinds():
    """The two sets of kinds, embedded (places of work, the rest); None without the embedder."""
    work, other = embed(list(WORKPLACE_KINDS)), embed(list(OTHER_KINDS))
    return None if work is None or other is None else (work, other)


__all__ = ["OTHER_KINDS", "WORKPLACE_KINDS", "kinds", "workplace"]
