"""The one entry point every new memory passes through before it is stored.

`resolve(candidate, long_term)` looks at what the scope already holds and returns the
WritePlan that stores the candidate: a plain insert, a reinforcement of an identical
memory, or (with conflict resolution) a supersession, merge or open conflict.
"""

from __future__ import annotations

from agentmem.long_term import LongTermMemory, WritePlan, event
from agentmem.stores.sql import MemoryQuery
from agentmem.types import MemoryRecord


def resolve(candidate: MemoryRecord, long_term: LongTermMemory, *, actor: str = "user"
            ) -> tuple[WritePlan, MemoryRecord]:
    """Plan how to store `candidate`; returns the plan and the record the caller sees."""
    same = _identical(candidate, long_term)
    if same is not None:
        values = {"access_count": same.access_count + 1,
                  "confidence": min(1.0, max(same.confidence, candidate.confidence)),
                  "updated_at": candidate.recorded_at}
        plan = WritePlan(updates=[(same.id, same.scope.user_id, values)], events=[
            event("REINFORCE", same, actor=actor, reason="identical memory stated again",
                  new_text=candidate.text, details={"rule": "exact_duplicate"})])
        same.access_count += 1
        return plan, same
    plan = WritePlan(inserts=[candidate], events=[
        event("ADD", candidate, actor=actor, reason="new memory", new_text=candidate.text,
              at=candidate.recorded_at)])
    return plan, candidate


def _identical(candidate: MemoryRecord, long_term: LongTermMemory) -> MemoryRecord | None:
    query = MemoryQuery(user_id=candidate.scope.user_id, agent_id=candidate.scope.agent_id,
                        kinds=[candidate.kind], text_equals=candidate.text)
    found = long_term.find(query, limit=1)
    return found[0] if found else None
