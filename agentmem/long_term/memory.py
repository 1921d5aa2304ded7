"""Long-term text memory: SQL rows (the truth), a derived vector index, and search over both.

Every change goes through `apply(WritePlan)`: one SQL transaction writes rows, audit events
and conflicts together; the vector index follows afterwards and is repaired from SQL
(`index_dirty`) if the process dies in between.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np

from agentmem import retrieval
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
from agentmem.stores.sql import MemoryQuery, SQLStore
from agentmem.stores.vector import VectorIndex
from agentmem.types import Episode, MemoryEvent, MemoryRecord, Scope, SearchHit

log = logging.getLogger(__name__)


class LongTermMemory(ScopedRecords):
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
            with self.sql.begin() as conn:
                self.sql.mark_indexed(conn, [r.id for r in dirty])
            repaired += len(dirty)
            log.info("repaired %d vector index entries from SQL", len(dirty))

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
            with self.sql.begin() as conn:
                self.sql.mark_indexed(conn, [r.id for r in batch])
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

    def search(
        self,
        text: str,
        scope: Scope,
        *,
        mode: str = "hybrid",
        top_k: int = 10,
        filters: dict[str, Any] | None = None,
        as_of: datetime | None = None,
        explain: bool = False,
    ) -> list[SearchHit]:
        retrieval.check_request(text, mode, top_k, self.config.max_text_chars)
        query = retrieval.build_query(scope, filters, as_of)
        settings = self.config.search
        n = max(settings.candidates, top_k)
        fulltext: list[tuple[str, float]] = []
        semantic: list[tuple[str, float]] = []
        if mode in ("hybrid", "semantic"):
            current_only = query.as_of is None and list(query.statuses or []) == ["active"]
            width = n if current_only and not _narrowing(query) else n * 4
            vector = self.embedder.embed_query(text)
            semantic = self.nearest(scope.user_id, vector, width, active_only=current_only)
        with self.sql.begin() as conn:  # the index first: every SQL read on one connection
            if mode in ("hybrid", "fulltext"):
                fulltext = self.sql.fulltext(conn, text, query, n)
            # Rank on the few columns ranking needs; load whole records for the winners only.
            found = dict.fromkeys(mid for hits in (fulltext, semantic) for mid, _ in hits)
            signals = self.sql.ranking_signals(conn, found, query)
            semantic_kept = [(i, s) for i, s in semantic if i in signals][:n]  # SQL filtered
            candidates = retrieval.fuse(mode, fulltext, semantic_kept, settings)
            if mode == "hybrid" and settings.neighbour_weight > 0:
                self._lift_neighbours(conn, candidates, signals, query)
            said_by = _speakers(candidates, signals) if mode == "hybrid" else {}
            if mode == "hybrid" and settings.named_speaker_weight > 0:
                retrieval.favour_named_speaker(candidates, said_by, text, settings)
            if mode == "hybrid" and settings.named_period_weight > 0:
                said_at = {mid: signals[mid][0] for mid in candidates if mid in signals}
                retrieval.favour_named_period(candidates, said_at, text, settings)
            if mode == "hybrid" and settings.occasion_weight > 0:
                turns = {mid: signals[mid][0] for mid in said_by}  # conversation turns
                retrieval.favour_best_occasions(candidates, turns, settings)
            ranked = retrieval.final_scores(
                candidates,
                signals,
                settings,
                scale_to_best=mode == "hybrid" and settings.fusion == "zscore",
            )[:top_k]
            records = self.sql.get_memories(conn, [mid for mid, _ in ranked], query)
        return [
            SearchHit(
                record=records[mid],
                score=score,
                explanation=retrieval.explain(candidates[mid]) if explain else None,
            )
            for mid, score in ranked
        ]

    def _lift_neighbours(self, conn, candidates, signals, query: MemoryQuery) -> None:
        """Lift each candidate towards its best session neighbour (see retrieval)."""
        kept = {mid: c for mid, c in candidates.items() if mid in signals}
        s = self.config.search
        neighbours, around = self.sql.session_neighbours(
            conn, kept, query, s.neighbour_window, known=signals
        )
        retrieval.lift_neighbours(kept, neighbours, s.neighbour_weight, s.neighbour_decay)
        candidates.update(kept)
        # a neighbour passes the filter: its signals were read with it
        signals.update({mid: around[mid] for mid in kept if mid not in signals})

    def nearest(
        self, user_id: str, vector: np.ndarray, k: int, *, active_only: bool = True
    ) -> list[tuple[str, float]]:
        """The memories of a user nearest to `vector`, from the index and from the writes
        still queued for it (those win: they are newer). With `active_only` there are up to
        twice k, since the index does not filter on status: the caller keeps those SQL (the
        source of truth) confirms and cuts to k.

        Equal scores are ordered by id: the index returns ties in the order its graph
        happens to visit them, which differs between a live index and the same one
        reloaded, and a rank-fused search must not change its answer across a restart."""
        return self.nearest_many(user_id, np.asarray([vector]), k, active_only=active_only)[0]

    def nearest_many(
        self, user_id: str, vectors: np.ndarray, k: int, *, active_only: bool = True
    ) -> list[list[tuple[str, float]]]:
        """`nearest` for each row of `vectors`, with one query to the index."""
        width = k + min(k, 50) if active_only else k
        # the queue first: a write that leaves it meanwhile is then found in the index
        pending = self.indexer.pending_many(user_id, vectors, width)
        indexed = self._query_index(user_id, vectors, width)
        out = []
        for queued, stored in zip(pending, indexed, strict=True):
            seen = {i for i, _ in queued}
            hits = queued + [h for h in stored if h[0] not in seen]
            out.append(sorted(hits, key=lambda h: (-h[1], h[0]))[:width])
        return out

    def _query_index(
        self, user_id: str, vectors: np.ndarray, k: int
    ) -> list[list[tuple[str, float]]]:
        """Query the index; a collection reported damaged is asked once more (with a fresh
        handle: another process may have just rebuilt it), then rebuilt from SQL."""
        for attempt in range(3):
            try:
                return self._index.query_many(user_id, vectors, k)
            except IndexDamagedError as damage:
                if attempt == 1:
                    self.recover(damage)
                elif attempt == 2:
                    raise
        raise AssertionError("unreachable")

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


def _speakers(candidates, signals) -> dict[str, str]:
    """Who said each candidate that passed the filter and names a speaker (metadata)."""
    out = {}
    for mid in candidates:
        name = signals[mid][2] if mid in signals else None
        if isinstance(name, str) and name.strip():
            out[mid] = name.strip()
    return out


def _narrowing(query: MemoryQuery) -> bool:
    return bool(
        query.kinds
        or query.metadata
        or query.session_id
        or query.subject
        or query.attribute
        or query.created_after
        or query.created_before
    )


__all__ = ["LongTermMemory", "WritePlan", "check_metadata", "check_text", "event", "new_id"]
