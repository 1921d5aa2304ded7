"""Long-term text memory: SQL rows (the truth), a derived vector index, and search over both
(the search itself: `agentmem.long_term.search`).

Every change goes through `apply(WritePlan)`: one SQL transaction writes rows, audit events
and conflicts together; the vector index follows afterwards and is repaired from SQL
(`index_dirty`) if the process dies in between.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import datetime

from agentmem.adapters.embeddings import MODEL_LOAD_LOCK, Embedder, make_embedder
from agentmem.checks import check_metadata, check_text  # noqa: F401  (re-exported)
from agentmem.config import MemoryConfig
from agentmem.errors import IndexDamagedError, NotFoundError
from agentmem.long_term.indexer import IndexSync
from agentmem.long_term.plans import (  # noqa: F401  (WritePlan, event, new_id: re-exported)
    WritePlan,
    absorb_concurrent_duplicates,
    event,
    new_id,
    relative_counters,
)
from agentmem.long_term.records import ScopedRecords, visible
from agentmem.long_term.search import Searching
from agentmem.long_term.write_stamps import WriteStamps
from agentmem.stores.sql import MemoryQuery, SQLStore
from agentmem.stores.vector import VectorIndex
from agentmem.types import Episode, MemoryEvent, MemoryRecord, Scope

log = logging.getLogger(__name__)


class LongTermMemory(ScopedRecords, Searching):
    """SQL store + vector index + embedder, behind record-level operations."""

    def __init__(self, config: MemoryConfig, embedder: Embedder | None = None) -> None:
        self.config = config
        self.sql = SQLStore(str(config.database_url))
        chroma = config.chroma
        fresh_index = chroma.host is None and not (chroma.path and any(chroma.path.glob("*")))
        self._index = VectorIndex(
            path=chroma.path,
            host=chroma.host,
            port=chroma.port,
            prefix=chroma.collection,
            ef_search=chroma.ef_search,
            max_neighbors=chroma.max_neighbors,
        )
        self._embedder = embedder
        self._recovering = threading.Lock()
        self.writes = WriteStamps()  # reads ahead of the add lock check them (`write_stamps`)
        replaced = self._rebuild_replaced()
        if fresh_index and self._has_rows():
            self.reindex()
        else:
            self.repair()
        if replaced:  # the same stale HNSW cache as after a rebuild in `repair`
            self._index.reconnect()
        self.indexer = IndexSync(
            self.sql,
            self._index,
            on_damage=self.recover,
            embed=lambda t: self.embedder.embed_aside(t),
        )
        self.check_index(deep=False)  # ids SQL holds and the index lost (another process)

    @property
    def index(self) -> VectorIndex:
        """The vector index, with every write submitted so far already in it."""
        if hasattr(self, "indexer"):
            self.indexer.flush()
        return self._index

    def flush(self) -> None:
        """Wait until the vector index holds every write made so far."""
        self.indexer.flush()

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:  # loading the model costs a second or two: only when needed
            # Once, under a lock: concurrent first requests would otherwise import the model
            # libraries from several threads at once, which fails half-way (ImportError).
            with MODEL_LOAD_LOCK:
                if self._embedder is None:
                    e = self.config.embedding
                    self._embedder = make_embedder(
                        e.model,
                        e.batch_size,
                        e.dimension,
                        backend=e.backend,
                        threads=e.threads,
                        cache_dir=self.config.llm.cache_dir,
                    )
        return self._embedder

    def close(self) -> None:
        self.indexer.close()
        self._index.close()
        self.sql.close()

    # --- writing --------------------------------------------------------------------
    def apply(self, plan: WritePlan) -> None:
        """Write the plan in one SQL transaction, then bring the vector index up to date."""
        embedded = [(r.id, r.scope.user_id, r.text) for r in plan.inserts] + [
            (mid, uid, v["text"]) for mid, uid, v in plan.updates if "text" in v
        ]
        vectors = self.embedder.embed([t for _, _, t in embedded]) if embedded else []
        by_id = {mid: (uid, vec) for (mid, uid, _), vec in zip(embedded, vectors, strict=True)}
        # counted until the rows are queued for the index, where neighbour reads find them
        with self.writes.writing(_users(plan)):
            with self.sql.begin() as conn:
                self._serialise(conn, plan)
                self.sql.insert_memories(conn, plan.inserts)
                for memory_id, user_id, values in plan.updates:
                    self.sql.update_memory(conn, memory_id, user_id, **values)
                self.sql.insert_events(conn, plan.events)
                for item in plan.conflicts:
                    self.sql.insert_conflict(conn, item)
                for conflict_id, user_id, values in plan.conflict_updates:
                    self.sql.update_conflict(conn, conflict_id, user_id, **values)
            owners = {r.id: r.scope.user_id for r in plan.inserts}
            owners.update((mid, uid) for mid, uid, _ in plan.updates)
            self.indexer.submit(owners, {i: by_id[i] for i in owners if i in by_id})

    def _serialise(self, conn, plan: WritePlan) -> None:
        """Make the plan safe against writers that planned at the same time (threads,
        processes, servers sharing the database).

        The users' write locks are held to the end of the transaction, so the checks
        below see every write committed before this one: an insert whose identical text
        another writer stored meanwhile becomes a reinforcement of that memory (one wins,
        the other reinforces), and counters are incremented rather than overwritten.
        """
        for user_id in sorted(
            {r.scope.user_id for r in plan.inserts} | {uid for _, uid, _ in plan.updates}
        ):
            self.sql.lock_user(conn, user_id)
        absorb_concurrent_duplicates(self.sql, conn, plan)
        relative_counters(plan)

    def repair(self) -> int:
        """Index every row SQL marks as not yet indexed; returns how many were repaired.

        A user's collection that turns out damaged is emptied and all of that user's rows
        marked, so the same loop rebuilds it from SQL (once; a second failure is raised).
        """
        repaired, rebuilt = 0, set()
        while True:
            with self.sql.begin() as conn:
                dirty = self.sql.dirty_memories(conn, limit=1000)
            if not dirty:
                if rebuilt:
                    self._index.reconnect()
                return repaired
            try:
                self._index.upsert(dirty, self.embedder.embed([r.text for r in dirty]))
            except IndexDamagedError as exc:
                if exc.user_id in rebuilt:
                    raise
                rebuilt.add(exc.user_id)
                self._reset(exc)
                continue
            self.indexed(dirty)
            repaired += len(dirty)
            log.info("repaired %d vector index entries from SQL", len(dirty))

    def indexed(self, records: Sequence[MemoryRecord], users: Sequence[str] = ()) -> None:
        """The index has these records' vectors (and other changes to `users`' vectors):
        clear their marks and bump the users' vector generations (`vector_copy`)."""
        with self.sql.begin() as conn:
            self.sql.mark_indexed(conn, [r.id for r in records])
            bumped = self.sql.generations.bump(
                conn, {r.scope.user_id for r in records} | set(users)
            )
        for user_id, (before, after) in bumped.items():
            self._index.copies.advanced(user_id, before, after)

    def check_index(self, user_id: str | None = None, *, deep: bool = True, fix: bool = True):
        """Compare SQL with the vector index id by id (`deep`: and test that every vector is
        retrievable); with `fix`, rewrite what is missing or unusable from SQL and delete
        stray vectors. Returns the IndexHealth as found, with `repaired` set."""
        from agentmem.long_term import index_health

        health = index_health.check(self, user_id, deep=deep)
        if fix and not health.healthy:
            log.warning("vector index out of step with SQL: %s; repairing", health.to_dict())
            index_health.repair(self, health)
        return health

    def _rebuild_replaced(self) -> bool:
        """Mark for indexing every row of the users whose damaged collections the index
        replaced on open (the repair that follows rebuilds them); True if there were any."""
        if not self._index.damaged:
            return False
        with self.sql.begin() as conn:
            for user_id in self.sql.memory_users(conn):
                if self._index.collection_name(user_id) in self._index.damaged:
                    self.sql.mark_user_dirty(conn, user_id)
        return True

    def recover(self, damage: IndexDamagedError) -> int:
        """Rebuild the damaged collection of `damage.user_id` from SQL; returns how many
        rows were indexed. Called by the background indexer and by search."""
        with self._recovering:
            self._reset(damage)
            repaired = self.repair()
            self._index.reconnect()
            return repaired

    def _reset(self, damage: IndexDamagedError) -> None:
        log.warning("%s", damage)
        self._index.reset_user(damage.user_id)
        with self.sql.begin() as conn:
            self.sql.mark_user_dirty(conn, damage.user_id)

    def reindex(self) -> int:
        """Rebuild the whole vector index from SQL; returns the number of vectors."""
        self.index.drop_all()  # the property waits for queued writes first
        total = 0
        with self.sql.begin() as conn:
            batches = list(self.sql.iter_all_memories(conn))
        for batch in batches:
            self._index.upsert(batch, self.embedder.embed([r.text for r in batch]))
            self.indexed(batch)
            total += len(batch)
        return total

    def _has_rows(self) -> bool:
        with self.sql.begin() as conn:
            return self.sql.count_memories(conn) > 0

    # --- reading --------------------------------------------------------------------
    def get(self, memory_id: str, scope: Scope, *, as_of: datetime | None = None) -> MemoryRecord:
        with self.sql.begin() as conn:
            record = self.sql.get_memory(conn, memory_id, scope.user_id)
        if record is None or not visible(record.scope, scope):
            raise NotFoundError(
                f"no memory {memory_id!r} in the scope of user "
                f"{scope.user_id!r}; check the id and the user_id"
            )
        if as_of is not None and not record.valid_at(as_of):
            for version in self.versions(memory_id, scope):
                if version.valid_at(as_of):
                    return version
            raise NotFoundError(f"memory {memory_id!r} had no valid version at {as_of}")
        return record

    def find(self, query: MemoryQuery, limit: int | None = None) -> list[MemoryRecord]:
        with self.sql.begin() as conn:
            return self.sql.find_memories(conn, query, limit=limit)

    def get_many(
        self, ids: Sequence[str], scope: Scope, *, statuses: Sequence[str] | None = ("active",)
    ) -> dict[str, MemoryRecord]:
        """The memories with these ids that the scope may read (agent included), by id."""
        query = MemoryQuery(user_id=scope.user_id, agent_id=scope.agent_id, statuses=statuses)
        with self.sql.begin() as conn:
            return self.sql.get_memories(conn, ids, query)

    def episodes(self, scope: Scope) -> list[Episode]:
        """The transcript of the scope's session (its user, agent and session), oldest first."""
        with self.sql.begin() as conn:
            return self.sql.list_episodes(conn, scope)

    def clear_episodes(self, scope: Scope) -> int:
        """Delete the transcript of the scope's session; returns the episodes deleted."""
        with self.sql.begin() as conn:
            return self.sql.delete_episodes(conn, scope)

    def versions(self, memory_id: str, scope: Scope) -> list[MemoryRecord]:
        """Every record in the supersession chain of `memory_id`, oldest first."""
        seen: dict[str, MemoryRecord] = {}
        frontier = [memory_id]
        with self.sql.begin() as conn:
            while frontier:
                mid = frontier.pop()
                if mid in seen:
                    continue
                record = self.sql.get_memory(conn, mid, scope.user_id)
                if record is None:
                    continue
                seen[mid] = record
                if record.superseded_by:
                    frontier.append(record.superseded_by)
                frontier += self.sql.predecessors(conn, mid, scope.user_id)
        return sorted(seen.values(), key=lambda r: (r.recorded_at, r.version))

    def history(self, memory_id: str, scope: Scope) -> list[MemoryEvent]:
        self.get(memory_id, scope)  # NotFoundError outside the scope
        ids = [r.id for r in self.versions(memory_id, scope)]
        with self.sql.begin() as conn:
            events = self.sql.events_for(conn, ids, scope.user_id)
        return sorted(events, key=lambda e: e.created_at)  # stable: ties keep write order


def _users(plan: WritePlan) -> set[str]:
    """Every user whose rows the plan writes."""
    return (
        {r.scope.user_id for r in plan.inserts}
        | {uid for _, uid, _ in plan.updates}
        | {c.scope.user_id for c in plan.conflicts}
        | {uid for _, uid, _ in plan.conflict_updates}
    )


__all__ = ["LongTermMemory", "WritePlan", "check_metadata", "check_text", "event", "new_id"]
