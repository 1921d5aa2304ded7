"""The generic slot `is_a` ("I'm a welder", "Ana is a Buddhist") names no attribute of its
own: the parse reads "S is a V" there whenever its table does not know what V is. When the
same subject's V is also stated in a specific slot ("I work as a welder": `job_title`),
both are one fact, held in the specific slot:

    reslot          an `is_a` fact whose value exactly one specific slot of the subject
                    holds is that slot's fact (compared there: a restatement or an update)
    absorbed_twins  when a specific slot takes a value, the subject's active `is_a` facts of
                    that value are superseded by it (kept as history, never deleted)

Values compare in `conflicts.normalise_value`'s form; negations are left to retraction.
"""

from __future__ import annotations

import dataclasses

from agentmem.facts import conflicts
from agentmem.facts.conflicts import Change, Decision
from agentmem.long_term import LongTermMemory
from agentmem.stores.sql import MemoryQuery
from agentmem.types import MemoryRecord

GENERIC = "is_a"


def _active_of_subject(
    candidate: MemoryRecord, long_term: LongTermMemory, attribute: str | None = None
) -> list[MemoryRecord]:
    query = MemoryQuery(
        user_id=candidate.scope.user_id,
        agent_id=candidate.scope.agent_id,
        kinds=["fact"],
        subject=candidate.subject,
        attribute=attribute,
    )
    return [
        r
        for r in long_term.find(query)
        if r.status == "active" and not conflicts.is_negated(r) and not r.metadata.get("held")
    ]


def reslot(candidate: MemoryRecord, long_term: LongTermMemory) -> MemoryRecord:
    """`candidate` moved from `is_a` to the one specific slot of its subject holding its value."""
    if candidate.attribute != GENERIC or conflicts.is_negated(candidate):
        return candidate
    value = conflicts.normalise_value(candidate.value)
    holders = {
        r.attribute
        for r in _active_of_subject(candidate, long_term)
        if r.attribute != GENERIC and conflicts.normalise_value(r.value) == value
    }
    if not value or len(holders) != 1:
        return candidate
    return dataclasses.replace(candidate, attribute=holders.pop())


def absorb_twins(decision: Decision, candidate: MemoryRecord, long_term: LongTermMemory) -> None:
    """Add to `decision` the superseding of the subject's `is_a` facts of the value that
    `candidate` stores in a specific slot."""
    if not decision.store or candidate.attribute == GENERIC or conflicts.is_negated(candidate):
        return
    if candidate.metadata.get("held") or decision.candidate.get("status", "active") != "active":
        return
    value = conflicts.normalise_value(candidate.value)
    changed = {c.record.id for c in decision.changes}
    for twin in _active_of_subject(candidate, long_term, GENERIC):  # one slot: an index read
        if twin.attribute != GENERIC or twin.id in changed:
            continue
        if value and conflicts.normalise_value(twin.value) == value:
            reason = f"{candidate.attribute} now holds this value"
            values = conflicts.superseded_values(twin, candidate)
            decision.changes.append(Change(twin, "SUPERSEDE", values, reason))


__all__ = ["GENERIC", "absorb_twins", "reslot"]
