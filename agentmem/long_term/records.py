"""What `LongTermMemory` offers beside memories: audit events, conflicts, episodes and the
shared database, each read through the scope check (an agent sees its own rows and the
user's shared ones), so no module outside this package needs the SQL store.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.engine import Engine

from agentmem.long_term.write_stamps import WriteStamps
from agentmem.stores.sql import MemoryQuery, SQLStore
from agentmem.types import Conflict, Episode, MemoryEvent, MemoryRecord, Scope

Appended = tuple[list[Episode], list[MemoryRecord], list[MemoryEvent]]


def visible(owner: Scope, scope: Scope) -> bool:
    """A row of `owner`'s is visible to `scope` (same user assumed): a user scope sees all
    of the user's rows, an agent scope its own and the shared (agent-less) ones."""
    return scope.agent_id is None or owner.agent_id in (None, scope.agent_id)


class ScopedRecords:
    """Mixed into LongTermMemory, which holds `sql`."""

    sql: SQLStore
    indexer: Any
    writes: WriteStamps

    @property
    def engine(self) -> Engine:
        """The database engine, for stores that keep their own tables beside the memories
        (the adapter registry) and for read-only SQL confined by the database."""
        return self.sql.engine

    def matching(self, ids: Sequence[str], query: MemoryQuery) -> dict[str, MemoryRecord]:
        """The memories with these ids that `query` admits (its user and agent), by id."""
        with self.sql.begin() as conn:
            return self.sql.get_memories(conn, ids, query)

    def events_for(self, memory_ids: Sequence[str], scope: Scope) -> list[MemoryEvent]:
        """The audit events about (or related to) these memories that the scope may see."""
        with self.sql.begin() as conn:
            found = self.sql.events_for(conn, memory_ids, scope.user_id)
        return [e for e in found if visible(e.scope, scope)]

    def get_event(self, event_id: str, scope: Scope) -> MemoryEvent | None:
        with self.sql.begin() as conn:
            found = self.sql.get_event(conn, event_id, scope.user_id)
        return found if found is not None and visible(found.scope, scope) else None

    def conflicts(self, scope: Scope, status: str | None = "open") -> list[Conflict]:
        with self.sql.begin() as conn:
            found = self.sql.list_conflicts(conn, scope.user_id, status)
        return [c for c in found if visible(c.scope, scope)]

    def get_conflict(self, conflict_id: str, scope: Scope) -> Conflict | None:
        with self.sql.begin() as conn:
            found = self.sql.get_conflict(conn, conflict_id, scope.user_id)
        return found if found is not None and visible(found.scope, scope) else None

    def working_set(
        self, scope: Scope, summary: MemoryQuery
    ) -> tuple[list[Episode], MemoryRecord | None]:
        """The session's turns not yet consolidated, and its newest rolling summary (or None)."""
        with self.sql.begin() as conn:
            turns = self.sql.list_episodes(conn, scope, unconsolidated=True)
            found = self.sql.find_memories(conn, summary, limit=1)
        return turns, found[0] if found else None

    def mark_consolidated(self, episodes: Sequence[Episode]) -> None:
        """Record that consolidation has summarised these turns."""
        with self.sql.begin() as conn:
            for user_id in {e.scope.user_id for e in episodes}:
                ids = [e.id for e in episodes if e.scope.user_id == user_id]
                self.sql.mark_consolidated(conn, ids, user_id)

    def set_episode_metadata(self, episodes: Sequence[Episode]) -> None:
        """Store the episodes' metadata as they now carry it (their content never changes)."""
        with self.sql.begin() as conn:
            for e in episodes:
                self.sql.update_episode_meta(conn, e.id, e.scope.user_id, e.metadata)

    def append_episodes(self, scope: Scope, build: Callable[[int], Appended]) -> Appended:
        """Log episodes of one scope in one transaction: `build(seq)` gives the episodes
        (the first numbered `seq`), their memory rows and audit events. The user's write
        lock keeps sequence numbers unique across writers; the rows are queued for the
        background index writer, which embeds them."""
        with self.sql.begin() as conn:
            self.sql.lock_user(conn, scope.user_id)
            items, rows, events = build(self.sql.next_episode_seq(conn, scope))
            self.sql.insert_episodes(conn, items)
            self.sql.insert_memories(conn, rows)
            self.sql.insert_events(conn, events)
        owners = {r.id: r.scope.user_id for r in rows}
        self.indexer.submit(owners, {}, embed=owners)
        return items, rows, events

    def purge_rows(self, user_id: str) -> list[str]:
        """Hard-delete every SQL row of a user; returns the memory ids that were deleted."""
        with self.writes.writing([user_id]), self.sql.begin() as conn:
            return self.sql.purge_user(conn, user_id)
