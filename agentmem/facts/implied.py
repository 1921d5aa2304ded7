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
`MARGIN`); else none, and the new value is stored as what the subject switched or moved
to, ending nothing. The verb says what kind of thing the new value is: a move of post or
school ("jumped ship to X", "transferred to X", "moved over to X": `transferred_to`) may replace
an employer or a school; a switch of tool, provider or product ("switched over to X",
"migrated to X", "changed over to X": `switched_to`) never does ("Switched over to
Firefox" leaves "I work at Chase").

A value said to hold now in a slot the clause names ("I'm at KPMG now", "these days I bank
with Nationwide", "I use Brave now": `extraction_present`) replaces the subject's one other
current value of that slot, where a switch can change the slot (as above, and a home: "my
brother lives in Leeds now"); not a possession, which "now" adds to ("I have a car now"),
nor an identity or a tie. An activity is replaced only by the same activity done with
another thing of the same kind: the same verb and head noun ("drinking almond milk" for
"drinking oat milk", "using Brave" for "using Firefox"), never another pursuit ("playing
tennis" beside "playing golf").
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
# What a switch with its old value unsaid is stored as, where the clause names no slot: a
# move of post or school ("jumped ship to X", "transferred to X"), or a switch of a tool,
# a provider or a product ("switched over to X", "migrated to X"), which fills no
# employer's or school's slot ("Switched over to Firefox" beside "I work at Chase").
TRANSFERRED_TO, SWITCHED_TO = "transferred_to", "switched_to"
POSTS = frozenset({"works_at", "study_at"})
# Slots "now" adds a value to rather than replacing one ("I have a dog now").
ADDED_TO = frozenset({"owns", "has_child", "speaks", "plays", "has"})


def switched_from(candidate: MemoryRecord, facts: list[MemoryRecord]) -> MemoryRecord | None:
    """The one fact of `facts` (the subject's stored facts) `candidate`'s switch replaces."""
    if candidate.attribute not in (SWITCHED_TO, TRANSFERRED_TO):
        return _same_slot(candidate, facts)
    if not names_a_thing(candidate.value or ""):
        return None
    held = [r for r in facts if r.id != candidate.id and _switchable(r)]
    if candidate.attribute == SWITCHED_TO:
        held = [r for r in held if r.attribute not in POSTS]
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


def _same_slot(candidate: MemoryRecord, facts: list[MemoryRecord]) -> MemoryRecord | None:
    """The one other current value of the candidate's slot a value said to hold now
    replaces ("I'm at KPMG now" for "I work at Deloitte"), else None."""
    slot = candidate.attribute
    if slot in ADDED_TO or (slot in UNSWITCHED and slot != "lives_in"):
        return None
    new = (candidate.value or "").lower()
    held = [
        r
        for r in facts
        if r.id != candidate.id
        and r.attribute == slot
        and (r.value or "").lower() != new
        and _current(r)
        and (slot != "does" or _same_doing(r.value or "", new))
    ]
    return held[0] if len(held) == 1 else None


def _same_doing(old: str, new: str) -> bool:
    """The same activity with another thing of its kind: the same verb and head noun
    ("drinking oat milk", "drinking almond milk"), or the use of a thing ("using X")."""
    was, now = old.lower().split(), new.lower().split()
    if len(was) < 2 or len(now) < 2 or was[0] != now[0]:
        return False
    return was[0] == TOOL_USE.strip() or was[-1] == now[-1]


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
    from agentmem.facts.extraction.word_lexicon import lexicon_of_pipeline

    ordinary = lexicon_of_pipeline()
    return ordinary is not None and any(w.isalpha() and not ordinary(w) for w in words)


_ARTICLES = frozenset({"a", "an", "the", "my", "our", "his", "her", "their", "some"})


def _current(record: MemoryRecord) -> bool:
    held = record.metadata.get("held")
    return record.status == "active" and not conflicts.is_negated(record) and not held


def _switchable(record: MemoryRecord) -> bool:
    if not _current(record):
        return False
    if record.attribute in UNSWITCHED or not record.value:
        return False
    return record.attribute != "does" or record.value.lower().startswith(TOOL_USE)


__all__ = [
    "ADDED_TO",
    "MARGIN",
    "TRANSFERRED_TO",
    "NEAREST",
    "POSTS",
    "SWITCHED_TO",
    "UNSWITCHED",
    "names_a_thing",
    "switched_from",
]
