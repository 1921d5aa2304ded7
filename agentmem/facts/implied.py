"""The stored value a switch with its old value unsaid replaces ("switched over to T-Mobile"
for "I use Verizon", "my wife jumped ship to Wells Fargo" for "my wife works at Chase").

The extractor marks such a fact's `ends` with `extraction_leaving.IMPLIED`. What it
replaces is a current, positive fact of the same subject in a slot a switch can change:
where one holds a named thing (an employer, a school, a provider, a team, a tool in use:
"using X"), not an identity or a tie (a name, a partner, a pet, a kind, a taste, an
occupation, a birthplace), nor a home (a switch to a place states the new home); and only
by a new value that is a name (`names_a_thing`: "switched to decaf" ends no employer). Where
the subject holds one such fact, the switch replaces it; where it holds several, the one whose
value is nearest the new value in meaning (MiniLM), if clearly nearest (`NEAREST`,
`MARGIN`); else none, and the new value is stored as what the subject switched to
(`switched_to`), ending nothing.
"""

from __future__ import annotations

import numpy as np

from agentmem.facts import conflicts
from agentmem.types import MemoryRecord

# Slots of identities and ties, which no switch changes.
UNSWITCHED = frozenset({"name", "pet_name", "spouse", "dating", "has_pet", "is_a"})
UNSWITCHED |= {"job_title", "likes", "dislikes", "from", "born_in", "age", "birthday"}
# A home is switched by a move to a place, which states the new home (`extraction_leaving`).
UNSWITCHED |= {"lives_in"}
# An activity is switched only where it is the use of a thing ("using Verizon").
TOOL_USE = "using "
NEAREST, MARGIN = 0.3, 0.1


def switched_from(candidate: MemoryRecord, facts: list[MemoryRecord]) -> MemoryRecord | None:
    """The one fact of `facts` (the subject's stored facts) `candidate`'s switch replaces."""
    if not names_a_thing(candidate.value or ""):
        return None
    held = [r for r in facts if r.id != candidate.id and _switchable(r)]
    if len(held) <= 1:
        return held[0] if held else None
    from agentmem.facts.extraction.similar import embed

    vectors = embed([candidate.value or ""] + [r.value or "" for r in held])
    if vectors is None:
        return None
    sims = vectors[1:] @ vectors[0]
    order = np.argsort(-sims)
    best, second = float(sims[order[0]]), float(sims[order[1]])
    return held[int(order[0])] if best >= NEAREST and best - second >= MARGIN else None


def names_a_thing(value: str) -> bool:
    """Whether a switch's new value is a name: the slots a switch can change hold named
    things (an employer, a school, a provider, a team, a tool), so a switch to a common
    thing ("switched to decaf", "moved over to a standing desk", "switched to oat milk")
    is a change of habit beside them, never the replacement of one. A name here has a word
    written with a capital that is not the value's article ("T-Mobile", "the Rovers"), or,
    in a value written without capitals (chat), a word the parse's lexicon does not know
    ("monzo", "geico"); a lower-case name made of English words ("wells fargo") replaces
    nothing: a missed change rather than a true fact ended."""
    words = [w for w in value.split() if w.lower() not in _ARTICLES]
    if any(w[:1].isupper() for w in words):
        return True
    from agentmem.facts.extraction.register import lexicon_of_pipeline

    ordinary = lexicon_of_pipeline()
    return ordinary is not None and any(w.isalpha() and not ordinary(w) for w in words)


_ARTICLES = frozenset({"a", "an", "the", "my", "our", "his", "her", "their", "some"})


def _switchable(record: MemoryRecord) -> bool:
    if record.status != "active" or conflicts.is_negated(record) or record.metadata.get("held"):
        return False
    if record.attribute in UNSWITCHED or not record.value:
        return False
    return record.attribute != "does" or record.value.lower().startswith(TOOL_USE)


__all__ = ["MARGIN", "NEAREST", "UNSWITCHED", "names_a_thing", "switched_from"]
