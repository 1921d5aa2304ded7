"""Write plans: everything one logical change writes, and how a plan is made safe against
writers that planned at the same time (threads, processes, servers sharing the database).

`LongTermMemory.apply` writes a plan in one transaction, holding the users' write locks; it
calls `absorb_concurrent_duplicates` (an insert another writer stored meanwhile becomes a
reinforcement of it: one wins, the other reinforces) and `relative_counters` (counters are
incremented, not overwritten) under those locks.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from agentmem.stores.schema import memories
from agentmem.stores.sql import MemoryQuery, SQLStore
from agentmem.types import Conflict, MemoryEvent, MemoryRecord, utcnow


def new_id() -> str:
    return uuid.uuid4().hex


def archived_copy(record: MemoryRecord, until: datetime) -> MemoryRecord:
    """The versioning rule, once: the version a change replaces is kept as its own row,
    superseded by the record it was, valid until `until`, so history and `as_of` reads
    still find it."""
    return dataclasses.replace(
        record,
        id=new_id(),
        status="superseded",
        valid_to=until,
        superseded_by=record.id,
        metadata=dict(record.metadata),
    )


def revision(
    current: MemoryRecord, text: str, now: datetime, **values: Any
) -> tuple[MemoryRecord, dict[str, Any]]:
    """The archived copy of `current` and the values that make `current` its next version,
    saying `text` from `now` on (`values` adds to or overrides them)."""
    changed = {
        "text": text,
        "version": current.version + 1,
        "valid_from": now,
        "updated_at": now,
        "recorded_at": now,
    }
    return archived_copy(current, now), {**changed, **values}


def revise(
    current: MemoryRecord, text: str, now: datetime, *, actor: str, reason: str, **values: Any
) -> WritePlan:
    """Replace the text of `current` in place, keeping the replaced version as history."""
    old, changed = revision(current, text, now, **values)
    return WritePlan(
        inserts=[old],
        updates=[(current.id, current.scope.user_id, changed)],
        events=[
            event(
                "UPDATE",
                current,
                actor=actor,
                reason=reason,
                old_text=current.text,
                new_text=text,
                related_id=old.id,
                at=now,
            )
        ],
    )


def event(
    op: str,
    record: MemoryRecord,
    *,
    actor: str,
    reason: str,
    old_text: str | None = None,
    new_text: str | None = None,
    related_id: str | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> MemoryEvent:
    """An audit event about `record`, in the record's scope."""
    return MemoryEvent(
        id=new_id(),
        memory_id=record.id,
        scope=record.scope,
        op=op,
        old_text=old_text,
        new_text=new_text,
        actor=actor,
        reason=reason,
        created_at=at or utcnow(),
        related_id=related_id,
        details=details or {},
    )


@dataclass
class WritePlan:
    """Everything one logical change writes, applied atomically by `LongTermMemory.apply`."""

    inserts: list[MemoryRecord] = field(default_factory=list)
    updates: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)  # id, user, values
    events: list[MemoryEvent] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    conflict_updates: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def extend(self, other: WritePlan) -> None:
        for name in ("inserts", "updates", "events", "conflicts", "conflict_updates"):
            getattr(self, name).extend(getattr(other, name))


DEDUPLICATED_KINDS = ("fact", "note", "summary")


def _plain(record: MemoryRecord) -> bool:
    return (
        record.status == "active"
        and record.kind in DEDUPLICATED_KINDS
        and not record.metadata.get("held")
        and not record.metadata.get("rejected")
        and "chunk_of" not in record.metadata  # a chunk summary stands for its own turns
    )


def absorb_concurrent_duplicates(sql: SQLStore, conn, plan: WritePlan, chunk: int = 200) -> None:
    """Turn an insert that another writer has just stored (same user, agent, kind, text
    and, for a fact, the same slot and value; still active) into a reinforcement of it."""
    own = {r.id for r in plan.inserts}
    groups: dict[tuple[str, str], list[MemoryRecord]] = {}
    for candidate in plan.inserts:
        if _plain(candidate):
            groups.setdefault((candidate.scope.user_id, candidate.kind), []).append(candidate)
    winners: dict[str, MemoryRecord] = {}
    for (user_id, kind), group in groups.items():
        for start in range(0, len(group), chunk):
            part = group[start : start + chunk]
            query = MemoryQuery(user_id=user_id, kinds=[kind], text_in=[c.text for c in part])
            stored = [
                r
                for r in sql.find_memories(conn, query, newest_first=False)
                if r.id not in own and _plain(r)
            ]
            for candidate in part:
                same = [r for r in stored if _same_statement(r, candidate)]
                if same:
                    winners[candidate.id] = same[0]
    if winners:
        _rewrite_as_reinforcements(plan, winners)


def _same_statement(stored: MemoryRecord, candidate: MemoryRecord) -> bool:
    return (
        stored.text.lower() == candidate.text.lower()
        and stored.scope.agent_id == candidate.scope.agent_id
        and speaker_of(stored.metadata)
        == speaker_of(candidate.metadata)  # one text said by two people is two
        and (candidate.subject is None or stored.subject == candidate.subject)
        and (candidate.attribute is None or stored.attribute == candidate.attribute)
        and (stored.value or "").lower() == (candidate.value or "").lower()
    )


def speaker_of(metadata: dict[str, Any]) -> str | None:
    """Who said a stored text (`metadata["speaker"]`), None when nobody is named: one text
    said by two speakers is two memories, and "I" in it is its speaker."""
    speaker = metadata.get("speaker")
    return speaker.strip() if isinstance(speaker, str) and speaker.strip() else None


def reinforced_confidence(old: float, new: float) -> float:
    """Each repetition closes half the gap to certainty, weighted by the new statement."""
    return round(min(1.0, 1.0 - (1.0 - old) * (1.0 - 0.5 * new)), 6)


def _rewrite_as_reinforcements(plan: WritePlan, winners: dict[str, MemoryRecord]) -> None:
    def remap(value: Any) -> Any:
        if isinstance(value, str):
            return winners[value].id if value in winners else value
        return value

    losers = [r for r in plan.inserts if r.id in winners]
    plan.inserts = [r for r in plan.inserts if r.id not in winners]
    plan.events = [e for e in plan.events if not (e.op == "ADD" and e.memory_id in winners)]
    plan.updates = [
        (mid, uid, {k: remap(v) for k, v in values.items()})
        for mid, uid, values in plan.updates
        if mid not in winners
    ]
    for e in plan.events:
        e.memory_id, e.related_id = remap(e.memory_id), remap(e.related_id)
    for c in plan.conflicts:
        c.memory_ids = [remap(i) for i in c.memory_ids]
    for loser in losers:
        winner = winners[loser.id]
        values = {
            "access_count": winner.access_count + 1,
            "updated_at": loser.recorded_at,
            "confidence": reinforced_confidence(winner.confidence, loser.confidence),
        }
        plan.updates.append((winner.id, winner.scope.user_id, values))
        plan.events.append(
            event(
                "REINFORCE",
                winner,
                actor="concurrency",
                old_text=winner.text,
                new_text=loser.text,
                at=loser.recorded_at,
                reason="stated again by a concurrent writer",
                details={
                    "rule": "concurrent_duplicate",
                    "before": {
                        "access_count": winner.access_count,
                        "confidence": winner.confidence,
                        "updated_at": winner.updated_at.isoformat(),
                    },
                },
            )
        )
        # the caller holds `loser` as the result of its add: it now is the stored memory
        for f in dataclasses.fields(winner):
            setattr(loser, f.name, getattr(dataclasses.replace(winner, **values), f.name))


def relative_counters(plan: WritePlan) -> None:
    """`access_count = n + 1` planned from a read is written as `access_count + 1`, so that
    two concurrent reinforcements count twice (the base comes from the event's `before`)."""
    bases = {
        e.memory_id: e.details["before"]["access_count"]
        for e in plan.events
        if isinstance((e.details or {}).get("before"), dict)
        and isinstance(e.details["before"].get("access_count"), int)
    }
    for memory_id, _, values in plan.updates:
        target = values.get("access_count")
        if isinstance(target, int) and memory_id in bases:
            values["access_count"] = memories.c.access_count + (target - bases[memory_id])
