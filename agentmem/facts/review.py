"""Undo and review: restore what an audit event changed; close an open conflict.

Every event the resolver writes carries `details["before"]`, the columns it changed as they
were, so undoing it is a write of those values (itself audited as RESTORE). Undoing a
supersession also removes the statement that caused it, and every other change that
statement made. Nothing is ever hard-deleted here; a restore that would leave two current
values in a single-valued slot is refused with the event to undo first.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from agentmem.errors import ConflictStateError, NotFoundError, ValidationError
from agentmem.facts import conflicts as rules
from agentmem.facts.resolver import slot_timeline, snapshot, unsnapshot
from agentmem.long_term import LongTermMemory, WritePlan, event
from agentmem.long_term.plans import revision
from agentmem.types import Conflict, MemoryEvent, MemoryRecord, Scope, as_utc

NEWEST = ("new", "newest", "latest")
OLDEST = ("old", "oldest", "current", "first")
DISMISS = ("dismiss", "keep_both", "none")


class _Undo:
    """Collects the writes of one restore and checks the slot invariant before they happen."""

    def __init__(
        self,
        long_term: LongTermMemory,
        scope: Scope,
        source: MemoryEvent,
        actor: str,
        now: datetime,
    ) -> None:
        self.long_term, self.scope, self.source = long_term, scope, source
        self.actor, self.now = actor, now
        self.plan = WritePlan()
        self.state: dict[str, MemoryRecord] = {}

    def record(self, memory_id: str) -> MemoryRecord:
        if memory_id not in self.state:
            self.state[memory_id] = self.long_term.get(memory_id, self.scope)
        return self.state[memory_id]

    def change(self, record: MemoryRecord, op: str, values: dict[str, Any], reason: str) -> None:
        self.plan.updates.append((record.id, record.scope.user_id, values))
        self.plan.events.append(
            event(
                op,
                record,
                actor=self.actor,
                reason=reason,
                old_text=record.text,
                new_text=values.get("text", record.text),
                related_id=self.source.memory_id,
                details={"undoes": self.source.id, "before": snapshot(record, values)},
                at=self.now,
            )
        )
        self.state[record.id] = dataclasses.replace(record, **values)

    def withdraw(self, record: MemoryRecord) -> None:
        """Take back a statement and everything it superseded becomes what it was."""
        if record.status != "deleted":
            self.change(
                record,
                "DELETE",
                {
                    "status": "deleted",
                    "valid_to": record.valid_from,
                    "updated_at": self.now,
                    "metadata": {**record.metadata, "undone_by": self.source.id},
                },
                f"withdrawn by undoing event {self.source.id}",
            )
        for ev in self._events_related_to(record.id):
            if ev.op != "SUPERSEDE" or "before" not in ev.details:
                continue
            older = self.record(ev.memory_id)
            if older.superseded_by == record.id:
                self.change(
                    older,
                    "RESTORE",
                    {**unsnapshot(ev.details["before"]), "updated_at": self.now},
                    f"restored by undoing event {self.source.id}",
                )

    def _events_related_to(self, memory_id: str) -> list[MemoryEvent]:
        events = self.long_term.events_for([memory_id], self.scope)
        return [e for e in events if e.related_id == memory_id and e.memory_id != memory_id]

    def check_slots(self) -> None:
        """Refuse to leave two current values in a single-valued slot, or the same value
        twice in a multi-valued one (it was stated again after the change being undone)."""
        config = self.long_term.config.conflicts
        for record in list(self.state.values()):
            if record.status != "active" or not record.is_fact:
                continue
            multi = rules.is_multi(record.attribute or "", config)
            # a multi-valued slot can only hold this value twice in rows with its words
            words = rules.normalise_value(record.value).split() if multi else None
            for other in slot_timeline(
                self.long_term,
                self.scope,
                record.subject or "user",
                record.attribute or "",
                value_words=words,
            ):
                other = self.state.get(other.id, other)
                if other.id == record.id or other.status != "active":
                    continue
                if multi and _same_value(other.value, record.value):
                    raise ConflictStateError(
                        f"restoring would hold {record.value!r} twice for {record.attribute!r}; "
                        f"it is current already as {other.id!r}"
                    )
                if not multi:
                    raise ConflictStateError(
                        f"restoring would make {record.value!r} and {other.value!r} both current "
                        f"for {record.attribute!r}; undo the change that made {other.id!r} "
                        "current first (see history())"
                    )


def _same_value(a: str | None, b: str | None) -> bool:
    return " ".join((a or "").lower().split()) == " ".join((b or "").lower().split())


def plan_restore(
    long_term: LongTermMemory, scope: Scope, event_id: str, *, actor: str, now: datetime
) -> tuple[WritePlan, str]:
    """The writes that undo event `event_id`; returns them and the id of the restored memory."""
    source = long_term.get_event(event_id, scope)
    if source is None:
        raise NotFoundError(
            f"no event {event_id!r} in the scope of user {scope.user_id!r}; "
            "take event ids from history()"
        )
    undo = _Undo(long_term, scope, source, actor, now)
    record = undo.record(source.memory_id)
    before = source.details.get("before")
    if source.op == "SUPERSEDE" and source.related_id:
        if record.superseded_by != source.related_id:
            raise ConflictStateError(
                f"memory {record.id!r} changed after event {event_id!r}; "
                "undo the later events first"
            )
        undo.withdraw(undo.record(source.related_id))
    elif source.op == "ADD":
        undo.withdraw(record)
    elif source.op == "DELETE":
        if record.status != "deleted":
            raise ConflictStateError(f"memory {record.id!r} is {record.status}, not deleted")
        undo.change(
            record,
            "RESTORE",
            {"status": "active", "valid_to": None, "updated_at": now},
            f"undeleted by undoing event {event_id}",
        )
    elif source.op == "UPDATE" and before is None:
        _undo_text_update(undo, record, source)
    elif before is not None and source.op in ("UPDATE", "MERGE", "REINFORCE", "ARCHIVE"):
        undo.change(
            record,
            "RESTORE",
            {**unsnapshot(before), "updated_at": now},
            f"restored by undoing event {event_id}",
        )
    else:
        raise ConflictStateError(
            f"a {source.op} event cannot be undone; restore the event "
            "that changed the memory (SUPERSEDE, UPDATE, DELETE, MERGE, "
            "REINFORCE, ARCHIVE or ADD)"
        )
    undo.check_slots()
    _close_conflict(undo, source)
    return undo.plan, source.memory_id


def _undo_text_update(undo: _Undo, record: MemoryRecord, source: MemoryEvent) -> None:
    """Put back the text an update replaced; the replaced text stays in history."""
    if source.old_text is None:
        raise ConflictStateError(f"event {source.id!r} kept no earlier text to restore")
    archived, values = revision(record, source.old_text, undo.now)
    undo.plan.inserts.append(archived)
    undo.change(
        record,
        "RESTORE",
        values,
        f"text restored by undoing event {source.id}",
    )


def _close_conflict(undo: _Undo, source: MemoryEvent) -> None:
    conflict_id = source.details.get("conflict_id")
    if conflict_id:
        found = undo.long_term.get_conflict(conflict_id, undo.scope)
        if found is not None and found.status == "open":
            undo.plan.conflict_updates.append(
                (
                    conflict_id,
                    undo.scope.user_id,
                    {
                        "status": "resolved",
                        "resolved_at": undo.now,
                        "resolution": f"undone by restoring event {source.id}",
                    },
                )
            )


# --- conflicts ----------------------------------------------------------------------
def get_conflict(long_term: LongTermMemory, scope: Scope, conflict_id: str) -> Conflict:
    found = long_term.get_conflict(conflict_id, scope)
    if found is None:
        raise NotFoundError(
            f"no conflict {conflict_id!r} in the scope of user "
            f"{scope.user_id!r}; list them with conflicts(scope)"
        )
    return found


def plan_resolve_conflict(
    long_term: LongTermMemory,
    scope: Scope,
    conflict_id: str,
    choice: str,
    *,
    actor: str,
    now: datetime,
) -> WritePlan:
    """Close a conflict keeping `choice`: a memory id of the conflict, "new", "old" or
    "dismiss" (close it and change nothing)."""
    conflict = get_conflict(long_term, scope, conflict_id)
    if conflict.status != "open":
        raise ConflictStateError(f"conflict {conflict_id!r} is already {conflict.status}")
    winner_id = _winner(conflict, choice)
    source = MemoryEvent(
        id=conflict.id,
        memory_id=winner_id or conflict.memory_ids[-1],
        scope=scope,
        op="RESOLVE",
        old_text=None,
        new_text=None,
        actor=actor,
        reason="",
        created_at=now,
    )
    undo = _Undo(long_term, scope, source, actor, now)
    if winner_id is not None:
        winner = undo.record(winner_id)
        why = f"chosen when resolving conflict {conflict.id}"
        if winner.status != "active":
            meta = {k: v for k, v in winner.metadata.items() if k not in ("held", "rejected")}
            undo.change(
                winner,
                "RESTORE",
                {
                    "status": "active",
                    "valid_to": None,
                    "superseded_by": None,
                    "metadata": meta,
                    "updated_at": now,
                },
                why,
            )
        for other_id in conflict.memory_ids:
            other = undo.record(other_id)
            if other.id != winner_id and (other.status == "active" or other.metadata.get("held")):
                undo.change(
                    other,
                    "SUPERSEDE",
                    _loses_to(other, winner, now),
                    f"not chosen when resolving conflict {conflict.id}",
                )
        undo.check_slots()
    for ev in undo.plan.events:
        ev.details = {**ev.details, "conflict_id": conflict.id, "undoes": None}
    undo.plan.conflict_updates.append(
        (
            conflict.id,
            scope.user_id,
            {
                "status": "resolved",
                "resolved_at": now,
                "resolution": "dismissed" if winner_id is None else f"kept {winner_id}",
            },
        )
    )
    return undo.plan


def _winner(conflict: Conflict, choice: str) -> str | None:
    if not isinstance(choice, str):
        raise ValidationError(
            f"choice must be a memory id or 'new', 'old', 'dismiss'; got {choice!r}"
        )
    if choice in conflict.memory_ids:
        return choice
    if choice in NEWEST:
        return conflict.memory_ids[-1]
    if choice in OLDEST:
        return conflict.memory_ids[0]
    if choice in DISMISS:
        return None
    raise ValidationError(
        f"choice must be one of the conflict's memory ids "
        f"{conflict.memory_ids} or 'new', 'old', 'dismiss'; got {choice!r}"
    )


def _loses_to(other: MemoryRecord, winner: MemoryRecord, now: datetime) -> dict[str, Any]:
    meta = {k: v for k, v in other.metadata.items() if k != "held"}
    if as_utc(other.valid_from) > as_utc(winner.valid_from):  # a later value never held
        return {
            "status": "superseded",
            "valid_to": other.valid_from,
            "superseded_by": winner.id,
            "metadata": {**meta, "rejected": True},
            "updated_at": now,
        }
    return {
        "status": "superseded",
        "valid_to": winner.valid_from,
        "superseded_by": winner.id,
        "metadata": meta,
        "updated_at": now,
    }
