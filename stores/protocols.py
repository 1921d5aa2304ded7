"""What a storage backend implements: the protocols `LongTermMemory` calls, and that the SQL
and vector contract suites (tests/test_contract_sql.py, tests/test_contract_vector.py) hold
each backend to. A new backend implements a protocol, joins the suite's fixture and inherits
its tests; `mismatches` says which methods it lacks or declares differently.
"""

from __future__ import annotations

import inspect
from collections.abc import Container, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

import numpy as np
from sqlalchemy.engine import Connection, Engine

from agentmem.stores.sql import MemoryQuery
from agentmem.types import Conflict, Episode, MemoryEvent, MemoryRecord, Scope


@runtime_checkable
class MemoryStore(Protocol):
    """The SQL source of truth: memories, audit events, episodes and conflicts per user."""

    engine: Engine

    @property
    def dialect(self) -> str: ...

    @property
    def safe_url(self) -> str: ...

    def begin(self) -> AbstractContextManager[Connection]:
        """One transaction; committed on success, rolled back on any exception."""
        ...

    def reading(self) -> AbstractContextManager[Connection]:
        """A connection for reads only, with nothing to commit."""
        ...

    def lock_user(self, conn: Connection, user_id: str) -> None:
        """Hold the write lock for `user_id`'s rows until this transaction ends."""
        ...

    def close(self) -> None: ...

    def insert_memories(self, conn: Connection, records: Sequence[MemoryRecord]) -> None: ...

    def update_memory(
        self, conn: Connection, memory_id: str, user_id: str, **values: Any
    ) -> None: ...

    def get_memory(self, conn: Connection, memory_id: str, user_id: str) -> MemoryRecord | None: ...

    def get_memories(
        self, conn: Connection, ids: Iterable[str], query: MemoryQuery
    ) -> dict[str, MemoryRecord]: ...

    def ranking_signals(
        self, conn: Connection, ids: Iterable[str], query: MemoryQuery
    ) -> dict[str, tuple[datetime, float]]:
        """(valid_from, importance) of the given memories that pass the query's filter."""
        ...

    def session_neighbours(
        self,
        conn: Connection,
        ids: Iterable[str],
        query: MemoryQuery,
        window: int = 1,
        known: Container[str] = (),
    ) -> tuple[dict[str, list[tuple[str, int]]], dict[str, Any]]: ...

    def ranking_reads(
        self,
        conn: Connection,
        ids: Iterable[str],
        near: Iterable[str],
        query: MemoryQuery,
        window: int = 1,
    ) -> tuple[dict[str, Any], dict[str, list[tuple[str, int]]], dict[str, Any]]:
        """`ranking_signals` of `ids` and `session_neighbours` of those also in `near`,
        in one read."""
        ...

    def get_memories_by_id(
        self, conn: Connection, ids: Sequence[str], user_id: str
    ) -> list[MemoryRecord]:
        """The rows of `user_id` with these ids (every agent's: the index writer's view)."""
        ...

    def find_memories(
        self,
        conn: Connection,
        query: MemoryQuery,
        *,
        limit: int | None = None,
        newest_first: bool = True,
    ) -> list[MemoryRecord]: ...

    def predecessors(self, conn: Connection, memory_id: str, user_id: str) -> list[str]:
        """Ids of the records that `memory_id` superseded."""
        ...

    def count_memories(self, conn: Connection, user_id: str | None = None) -> int: ...

    def fulltext(
        self, conn: Connection, text: str, query: MemoryQuery, limit: int
    ) -> list[tuple[str, float]]: ...

    def dirty_memories(self, conn: Connection, limit: int = 10000) -> list[MemoryRecord]: ...

    def memory_users(self, conn: Connection) -> list[str]:
        """Every user id that has memories."""
        ...

    def mark_user_dirty(self, conn: Connection, user_id: str) -> None:
        """Mark every memory of a user as not indexed (its vector collection is rebuilt)."""
        ...

    def mark_indexed(self, conn: Connection, ids: Sequence[str]) -> None: ...

    def iter_all_memories(
        self, conn: Connection, batch: int = 2000
    ) -> Iterator[list[MemoryRecord]]: ...

    def insert_events(self, conn: Connection, events: Sequence[MemoryEvent]) -> None: ...

    def events_for(
        self, conn: Connection, memory_ids: Sequence[str], user_id: str
    ) -> list[MemoryEvent]: ...

    def get_event(self, conn: Connection, event_id: str, user_id: str) -> MemoryEvent | None: ...

    def insert_episodes(self, conn: Connection, items: Sequence[Episode]) -> None: ...

    def next_episode_seq(self, conn: Connection, scope: Scope) -> int: ...

    def list_episodes(
        self,
        conn: Connection,
        scope: Scope,
        *,
        after_seq: int = 0,
        limit: int | None = None,
        unconsolidated: bool = False,
        newest_first: bool = False,
    ) -> list[Episode]: ...

    def delete_episodes(self, conn: Connection, scope: Scope) -> int:
        """Delete the transcript of the scope's session (its agent's, or the agent-less one)."""
        ...

    def episodes_without_memory(self, conn: Connection, limit: int) -> list[Episode]:
        """Episodes that have no memory row of their own yet (oldest first)."""
        ...

    def episodes_near(
        self,
        conn: Connection,
        user_id: str,
        session_id: str | None,
        seqs: Sequence[int],
        radius: int,
    ) -> list[Episode]:
        """The episodes of one session within `radius` of any of `seqs`, in order."""
        ...

    def get_episodes(self, conn: Connection, ids: Sequence[str], user_id: str) -> list[Episode]: ...

    def mark_consolidated(self, conn: Connection, ids: Sequence[str], user_id: str) -> None: ...

    def update_episode_meta(
        self, conn: Connection, episode_id: str, user_id: str, meta: dict[str, Any]
    ) -> None:
        """Replace an episode's metadata (its content is never changed)."""
        ...

    def insert_conflict(self, conn: Connection, item: Conflict) -> None: ...

    def list_conflicts(
        self, conn: Connection, user_id: str, status: str | None = "open"
    ) -> list[Conflict]: ...

    def get_conflict(self, conn: Connection, conflict_id: str, user_id: str) -> Conflict | None: ...

    def update_conflict(
        self, conn: Connection, conflict_id: str, user_id: str, **values
    ) -> None: ...

    def purge_user(self, conn: Connection, user_id: str) -> list[str]:
        """Hard-delete every row of a user; returns the memory ids (for the vector index)."""
        ...


@runtime_checkable
class VectorStore(Protocol):
    """The derived vector index: one collection per user, rebuildable from the SQL store."""

    def reconnect(self) -> None: ...

    def collection_name(self, user_id: str) -> str: ...

    def reset_user(self, user_id: str) -> None:
        """Replace a user's collection with an empty one (before rebuilding it from SQL)."""
        ...

    def upsert(self, records: Sequence[MemoryRecord], vectors: np.ndarray) -> None:
        """Add or replace the vectors of these records (grouped into per-user collections)."""
        ...

    def update_metadata(self, records: Sequence[MemoryRecord]) -> None:
        """Refresh status and validity of records whose text did not change."""
        ...

    def query(self, user_id: str, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The k nearest memories of one user, any status: (id, cosine clipped to [0, 1])."""
        ...

    def query_many(
        self, user_id: str, vectors: np.ndarray, k: int, generation: int | None = None
    ) -> list[list[tuple[str, float]]]:
        """`query` for each row of `vectors`, in one round trip to the index; `generation`
        (the scope's `index_generations` value) lets an index answer from a copy it keeps
        while that value holds."""
        ...

    def statuses(self, user_id: str) -> dict[str, str]:
        """The status each of a user's vectors carries in its metadata (for inspection)."""
        ...

    def vectors(self, user_id: str) -> tuple[list[str], np.ndarray]: ...

    def ids(self, user_id: str) -> set[str]: ...

    def count(self, user_id: str) -> int: ...

    def total(self) -> int: ...

    def delete(self, user_id: str, ids: Sequence[str]) -> None: ...

    def drop_user(self, user_id: str) -> None:
        """Remove a user's whole collection (purge)."""
        ...

    def drop_all(self) -> None:
        """Remove every agentmem collection (before a full rebuild)."""
        ...

    def close(self) -> None:
        """Release the client (Chroma shares one system per path within a process)."""
        ...


def mismatches(backend: Any, protocol: type) -> list[str]:
    """The members of `protocol` that `backend` lacks, or declares with other parameters
    (names, kinds and defaults; annotations are not compared)."""
    out = []
    for name, member in inspect.getmembers(protocol):
        if name.startswith("_"):
            continue
        if not hasattr(backend, name):
            out.append(f"{name}: missing")
        elif inspect.isfunction(member):
            want = _parameters(member)
            have = _parameters(getattr(type(backend), name, getattr(backend, name)))
            if want != have:
                out.append(f"{name}: takes {have}, the protocol {want}")
    return out


def _parameters(function: Any) -> list[tuple[str, Any, bool]]:
    params = list(inspect.signature(inspect.unwrap(function)).parameters.values())
    return [(p.name, p.kind, p.default is inspect.Parameter.empty) for p in params]


__all__ = ["MemoryStore", "VectorStore", "mismatches"]
