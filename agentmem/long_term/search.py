"""Search over long-term memory: full text and meaning fused, then lifted by conversation
neighbours, the speaker and the period a question names (the rules: `agentmem.retrieval`).

`Searching` is a part of `LongTermMemory`: it reads through the SQL store, the vector index
(with the writes still queued for it) and the embedder that the memory holds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np

from agentmem import retrieval, retrieval_factors
from agentmem.errors import IndexDamagedError
from agentmem.stores.sql import MemoryQuery
from agentmem.types import Scope, SearchHit


class Searching:
    """Search and nearest-neighbour reads of `LongTermMemory` (needs its `config`, `sql`,
    `embedder`, `indexer`, `_index` and `recover`)."""

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
        semantic_mode = mode in ("hybrid", "semantic")
        vector = self.embedder.embed_query(text) if semantic_mode else None
        lift = mode == "hybrid" and settings.neighbour_weight > 0
        with self.sql.reading() as conn:  # the index first: every SQL read on one connection
            if semantic_mode:
                current_only = query.as_of is None and list(query.statuses or []) == ["active"]
                width = n if current_only and not _narrowing(query) else n * 4
                # which copy of the scope's vectors is current (`stores/vector_copy.py`)
                generation = self.sql.generations.read(conn, scope.user_id)
                semantic = self.nearest(
                    scope.user_id, vector, width, active_only=current_only, generation=generation
                )
            if mode in ("hybrid", "fulltext"):
                fulltext = self.sql.fulltext(conn, text, query, n)
            # Rank on the few columns ranking needs; load whole records for the winners only.
            found = dict.fromkeys(mid for hits in (fulltext, semantic) for mid, _ in hits)
            rows = None  # whole rows read with the ranking read (few candidates)
            if lift:  # with the session neighbours of the likely candidates, in one read
                near = dict.fromkeys(mid for hits in (fulltext, semantic[:n]) for mid, _ in hits)
                window = settings.neighbour_window
                # candidates no more than the answer holds are its winners but for those the
                # filter drops: their whole rows come with this read, instead of a read of
                # the winners' rows after (each row more costs SQLite about as much as a
                # tenth of that read: README, "Load")
                if len(found) <= top_k:
                    signals, around, places, rows = self.sql.ranking_reads_whole(
                        conn, found, near, query, window
                    )
                else:
                    signals, around, places = self.sql.ranking_reads(
                        conn, found, near, query, window
                    )
            else:
                signals = self.sql.ranking_signals(conn, found, query)
            semantic_kept = [(i, s) for i, s in semantic if i in signals][:n]  # SQL filtered
            candidates = retrieval.fuse(mode, fulltext, semantic_kept, settings)
            if lift:
                self._lift_neighbours(conn, candidates, signals, query, (near, around, places))
            said_by = _speakers(candidates, signals) if mode == "hybrid" else {}
            if mode == "hybrid" and settings.named_speaker_weight > 0:
                retrieval_factors.favour_named_speaker(candidates, said_by, text, settings)
            if mode == "hybrid" and settings.named_period_weight > 0:
                said_at = {mid: signals[mid][0] for mid in candidates if mid in signals}
                retrieval_factors.favour_named_period(candidates, said_at, text, settings)
            if mode == "hybrid" and settings.occasion_weight > 0:
                turns = {mid: signals[mid][0] for mid in said_by}  # conversation turns
                retrieval_factors.favour_best_occasions(candidates, turns, settings)
            ranked = retrieval.final_scores(
                candidates,
                signals,
                settings,
                scale_to_best=mode == "hybrid" and settings.fusion == "zscore",
            )[:top_k]
            winners = [mid for mid, _ in ranked]
            records = {} if rows is None else self.sql.whole_records(rows, winners)
            if len(records) < len(winners):  # a neighbour that joined, or no rows read
                left = [mid for mid in winners if mid not in records]
                records.update(self.sql.get_memories(conn, left, query))
        return [
            SearchHit(
                record=records[mid],
                score=score,
                explanation=retrieval.explain(candidates[mid]) if explain else None,
            )
            for mid, score in ranked
        ]

    def _lift_neighbours(self, conn, candidates, signals, query: MemoryQuery, read) -> None:
        """Lift each candidate towards its best session neighbour (see retrieval). `read`:
        the memories whose places were read with the signals, their places and the
        signals of those places; the places of a candidate not among them (a memory the
        filter dropped let a later one into the cut) are read now."""
        near, around, places = read
        kept = {mid: c for mid, c in candidates.items() if mid in signals}
        s = self.config.search
        later = [mid for mid in kept if mid not in near]
        if later:
            known = {**signals, **places}
            more, more_places = self.sql.session_neighbours(
                conn, later, query, s.neighbour_window, known=known
            )
            around = {**around, **more}
            places = {**places, **more_places}
        neighbours = {mid: around[mid] for mid in kept if mid in around}
        retrieval.lift_neighbours(kept, neighbours, s.neighbour_weight, s.neighbour_decay)
        candidates.update(kept)
        # a neighbour passes the filter: its signals were read with it
        signals.update({mid: places[mid] for mid in kept if mid not in signals})

    def vector_generation(self, user_id: str) -> int:
        """The scope's vector generation (`index_generations`), read on a connection of its
        own: which copy of its vectors is current, to pass to `nearest_many`."""
        with self.sql.reading() as conn:
            return self.sql.generations.read(conn, user_id)

    def nearest(
        self,
        user_id: str,
        vector: np.ndarray,
        k: int,
        *,
        active_only: bool = True,
        generation: int | None = None,
    ) -> list[tuple[str, float]]:
        """The memories of a user nearest to `vector`, from the index and from the writes
        still queued for it (those win: they are newer). With `active_only` there are up to
        twice k, since the index does not filter on status: the caller keeps those SQL (the
        source of truth) confirms and cuts to k.

        Equal scores are ordered by id: the index returns ties in the order its graph
        happens to visit them, which differs between a live index and the same one
        reloaded, and a rank-fused search must not change its answer across a restart.

        With the scope's vector `generation` (read on the caller's SQL connection) a small
        scope is answered exactly from this process's copy of its vectors."""
        vectors = np.asarray([vector])
        return self.nearest_many(
            user_id, vectors, k, active_only=active_only, generation=generation
        )[0]

    def nearest_many(
        self,
        user_id: str,
        vectors: np.ndarray,
        k: int,
        *,
        active_only: bool = True,
        generation: int | None = None,
    ) -> list[list[tuple[str, float]]]:
        """`nearest` for each row of `vectors`, with one query to the index."""
        width = k + min(k, 50) if active_only else k
        # the queue first: a write that leaves it meanwhile is then found in the index
        pending = self.indexer.pending_many(user_id, vectors, width)
        indexed = self._query_index(user_id, vectors, width, generation)
        out = []
        for queued, stored in zip(pending, indexed, strict=True):
            seen = {i for i, _ in queued}
            hits = queued + [h for h in stored if h[0] not in seen]
            out.append(sorted(hits, key=lambda h: (-h[1], h[0]))[:width])
        return out

    def _query_index(
        self, user_id: str, vectors: np.ndarray, k: int, generation: int | None = None
    ) -> list[list[tuple[str, float]]]:
        """Query the index; a collection reported damaged is asked once more (with a fresh
        handle: another process may have just rebuilt it), then rebuilt from SQL."""
        for attempt in range(3):
            try:
                return self._index.query_many(user_id, vectors, k, generation)
            except IndexDamagedError as damage:
                if attempt == 1:
                    self.recover(damage)
                elif attempt == 2:
                    raise
        raise AssertionError("unreachable")


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
