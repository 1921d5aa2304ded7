"""The audit tables: memory events and conflicts (a part of `SQLStore`)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select, update
from sqlalchemy.engine import Connection

from agentmem.stores.schema import conflicts, memory_events
from agentmem.stores.sql_rows import from_row, read_one, to_row
from agentmem.types import Conflict, MemoryEvent


class AuditTables:
    """What happened to each memory and why (events), and the conflicts left open."""

    def insert_events(self, conn: Connection, events: Sequence[MemoryEvent]) -> None:
        if events:
            conn.execute(memory_events.insert(), [to_row(e) for e in events])

    def events_for(
        self, conn: Connection, memory_ids: Sequence[str], user_id: str
    ) -> list[MemoryEvent]:
        e = memory_events.c
        rows = conn.execute(
            select(memory_events)
            .where(
                e.user_id == user_id,
                or_(e.memory_id.in_(list(memory_ids)), e.related_id.in_(list(memory_ids))),
            )
            .order_by(e.pk)
        )
        return [from_row(MemoryEvent, r) for r in rows]

    def get_event(self, conn: Connection, event_id: str, user_id: str) -> MemoryEvent | None:
        return read_one(conn, memory_events, MemoryEvent, event_id, user_id)

    # --- conflicts ------------------------------------------------------------------
    def insert_conflict(self, conn: Connection, item: Conflict) -> None:
        conn.execute(conflicts.insert(), [to_row(item)])

    def list_conflicts(
        self, conn: Connection, user_id: str, status: str | None = "open"
    ) -> list[Conflict]:
        stmt = select(conflicts).where(conflicts.c.user_id == user_id).order_by(conflicts.c.pk)
        if status is not None:
            stmt = stmt.where(conflicts.c.status == status)
        return [from_row(Conflict, r) for r in conn.execute(stmt)]

    def get_conflict(self, conn: Connection, conflict_id: str, user_id: str) -> Conflict | None:
        return read_one(conn, conflicts, Conflict, conflict_id, user_id)

    def update_conflict(self, conn: Connection, conflict_id: str, user_id: str, **values) -> None:
        conn.execute(
            update(conflicts)
            .where(conflicts.c.id == conflict_id, conflicts.c.user_id == user_id)
            .values(**values)
        )
