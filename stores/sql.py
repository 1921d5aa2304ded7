"""The SQL store: the source of truth for episodes, memories, audit events and conflicts.

Written against SQLAlchemy Core so that SQLite (embedded default) and PostgreSQL share one
code path; dialect-specific SQL lives in `fulltext.py` only. Every read takes a user id:
the store never returns a row of another user.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Container, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text, true, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from agentmem.errors import StoreError
from agentmem.stores.index_generations import Generations
from agentmem.stores.schema import memories, metadata
from agentmem.stores.search_reads import SearchReads, Signal, WholeRows
from agentmem.stores.sql_audit import AuditTables
from agentmem.stores.sql_engine import make_engine
from agentmem.stores.sql_episodes import EpisodeTable
from agentmem.stores.sql_query import MemoryQuery
from agentmem.stores.sql_rows import from_row, read_one, to_row
from agentmem.types import MemoryRecord

try:
    import fcntl
except ImportError:  # not POSIX: SQLite migrations are not serialised across processes
    fcntl = None

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 0x61676D6D  # advisory lock key while migrating a PostgreSQL database


class SQLStore(EpisodeTable, AuditTables):
    """Episodes, memories, events and conflicts in one SQL database."""

    def __init__(self, url: str, *, busy_timeout_ms: int = 30_000, echo: bool = False) -> None:
        self.url = url
        self.engine = make_engine(url, busy_timeout_ms, echo)
        self.search_reads = SearchReads()
        self.generations = Generations()  # of each scope's vectors (`index_generations`)
        self.migrate()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def migrate(self) -> None:
        """Bring the schema to the newest migration (idempotent; run on every open)."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        try:
            with self._migration_lock(), self.engine.begin() as conn:
                if self.dialect == "postgresql":  # processes opening a new database at once
                    conn.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                    )
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except SQLAlchemyError as exc:
            raise StoreError(f"could not migrate database {self.safe_url}: {exc}") from exc

    @contextmanager
    def _migration_lock(self) -> Iterator[None]:
        """SQLite runs DDL outside transactions: processes opening one new file at once
        take turns through a lock file next to it."""
        database = self.engine.url.database if self.dialect == "sqlite" else None
        if not database or database == ":memory:" or fcntl is None:
            yield
            return
        with open(f"{database}.migrate-lock", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @property
    def safe_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """One transaction; committed on success, rolled back on any exception."""
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for reads only, with nothing to commit: on SQLite (whose driver
        opens no transaction for a read) each read sees what was committed before it, as
        inside `begin`; on PostgreSQL the transaction the first read opens is rolled back
        as the connection goes back to the pool."""
        with self.engine.connect() as conn:
            yield conn

    def lock_user(self, conn: Connection, user_id: str) -> None:
        """Hold the write lock for `user_id`'s rows until this transaction ends.

        PostgreSQL: a transaction-scoped advisory lock per user. SQLite has one writer at a
        time: a write statement that changes nothing takes the database's write lock now
        (waiting up to the busy timeout), so that the reads that follow in the transaction
        see every committed write and no other writer can come between them and ours.
        """
        if self.dialect == "postgresql":
            key = int.from_bytes(
                hashlib.sha256(user_id.encode("utf-8")).digest()[:8], "big", signed=True
            )
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        elif self.dialect == "sqlite":
            conn.exec_driver_sql("UPDATE memories SET index_dirty = index_dirty WHERE pk < 0")

    def close(self) -> None:
        self.engine.dispose()

    # --- memories -------------------------------------------------------------------
    def insert_memories(self, conn: Connection, records: Sequence[MemoryRecord]) -> None:
        if records:
            conn.execute(memories.insert(), [_memory_row(r) for r in records])

    def update_memory(self, conn: Connection, memory_id: str, user_id: str, **values: Any) -> None:
        values.setdefault("index_dirty", True)
        if "metadata" in values:
            values["meta"] = values.pop("metadata")
        conn.execute(
            update(memories)
            .where(memories.c.id == memory_id, memories.c.user_id == user_id)
            .values(**values)
        )

    def get_memory(self, conn: Connection, memory_id: str, user_id: str) -> MemoryRecord | None:
        return read_one(conn, memories, MemoryRecord, memory_id, user_id)

    def get_memories(
        self, conn: Connection, ids: Iterable[str], query: MemoryQuery
    ) -> dict[str, MemoryRecord]:
        return self.search_reads.records(conn, list(ids), query, _memory)

    def ranking_signals(
        self, conn: Connection, ids: Iterable[str], query: MemoryQuery
    ) -> dict[str, Signal]:
        """(valid_from, importance, speaker) of the given memories that pass the query's
        filter; the speaker is the metadata `speaker` as stored (None when absent)."""
        return self.search_reads.signals(conn, ids, query)

    def session_neighbours(
        self,
        conn: Connection,
        ids: Iterable[str],
        query: MemoryQuery,
        window: int = 1,
        known: Container[str] = (),
    ) -> tuple[dict[str, list[tuple[str, int]]], dict[str, Signal]]:
        """For each of `ids` said in a session: the memories up to `window` places before
        and after it in that session (insertion order), with their distance, among those
        that pass the query's filter; and the ranking signals of those neighbours not in
        `known` (those the caller has). Summaries are not turns and take no part."""
        return self.search_reads.neighbours(conn, ids, query, window, known)

    def ranking_reads(
        self,
        conn: Connection,
        ids: Iterable[str],
        near: Iterable[str],
        query: MemoryQuery,
        window: int = 1,
    ) -> tuple[dict[str, Signal], dict[str, list[tuple[str, int]]], dict[str, Signal]]:
        """`ranking_signals` of `ids` and `session_neighbours` of those of them also in
        `near`, in one read: (the signals of the memories of `ids` that pass the filter,
        the places of each of `near` said in a session, the signals of the places not
        among the first)."""
        return self.search_reads.ranking(conn, ids, near, query, window)[:3]

    def ranking_reads_whole(
        self,
        conn: Connection,
        ids: Iterable[str],
        near: Iterable[str],
        query: MemoryQuery,
        window: int = 1,
    ) -> tuple[dict[str, Signal], dict[str, list[tuple[str, int]]], dict[str, Signal], WholeRows]:
        """`ranking_reads`, with the whole rows of the memories of `ids` that pass the filter
        from the same statement: `WholeRows.records(ids, ...)` gives the records that
        `get_memories` would (for a search whose candidates are few, one read fewer)."""
        return self.search_reads.ranking(conn, ids, near, query, window, whole=True)

    def whole_records(self, rows: WholeRows, ids: Iterable[str]) -> dict[str, MemoryRecord]:
        """The records of `ids` among `rows` (`ranking_reads_whole`)."""
        return rows.records(ids, _memory)

    def get_memories_by_id(
        self, conn: Connection, ids: Sequence[str], user_id: str
    ) -> list[MemoryRecord]:
        """The rows of `user_id` with these ids (every agent's: the index writer's view)."""
        out: list[MemoryRecord] = []
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            stmt = select(memories).where(memories.c.id.in_(chunk), memories.c.user_id == user_id)
            out += [_memory(r) for r in conn.execute(stmt)]
        return out

    def find_memories(
        self,
        conn: Connection,
        query: MemoryQuery,
        *,
        limit: int | None = None,
        newest_first: bool = True,
    ) -> list[MemoryRecord]:
        """The memories that pass `query`, by insertion order; the statement is built once
        per query shape (every write runs a few of these)."""
        by_text = query.text_in is not None or query.text_equals is not None
        # a text lookup is sorted after the read: SQLite would otherwise walk an index in pk
        # order (the user's every row) rather than look the texts up in theirs (0004)
        key = _PK_SORTED_AFTER if by_text else memories.c.pk
        order = key.desc() if newest_first else key.asc()

        def build(where):
            stmt = select(memories).where(where).order_by(order)
            return stmt if limit is None else stmt.limit(limit)

        dialect = conn.dialect.name
        stmt = self.search_reads.statement(
            ("find", newest_first, limit, by_text), query, dialect, build
        )
        return [_memory(r) for r in conn.execute(stmt, query.params())]

    def predecessors(self, conn: Connection, memory_id: str, user_id: str) -> list[str]:
        """Ids of the records that `memory_id` superseded."""
        rows = conn.execute(
            select(memories.c.id).where(
                memories.c.user_id == user_id, memories.c.superseded_by == memory_id
            )
        )
        return list(rows.scalars())

    def count_memories(self, conn: Connection, user_id: str | None = None) -> int:
        stmt = select(func.count()).select_from(memories)
        if user_id is not None:
            stmt = stmt.where(memories.c.user_id == user_id)
        return int(conn.execute(stmt).scalar_one())

    def fulltext(
        self, conn: Connection, text: str, query: MemoryQuery, limit: int
    ) -> list[tuple[str, float]]:
        return self.search_reads.fulltext(conn, text, query, limit)

    def dirty_memories(self, conn: Connection, limit: int = 10_000) -> list[MemoryRecord]:
        rows = conn.execute(select(memories).where(memories.c.index_dirty == true()).limit(limit))
        return [_memory(r) for r in rows]

    def memory_users(self, conn: Connection) -> list[str]:
        """Every user id that has memories."""
        return list(conn.execute(select(memories.c.user_id).distinct()).scalars())

    def mark_user_dirty(self, conn: Connection, user_id: str) -> None:
        """Mark every memory of a user as not indexed (its vector collection is rebuilt)."""
        conn.execute(update(memories).where(memories.c.user_id == user_id).values(index_dirty=True))

    def mark_indexed(self, conn: Connection, ids: Sequence[str]) -> None:
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            conn.execute(update(memories).where(memories.c.id.in_(chunk)).values(index_dirty=False))

    def iter_all_memories(
        self, conn: Connection, batch: int = 2_000
    ) -> Iterator[list[MemoryRecord]]:
        last = 0
        while True:
            rows = conn.execute(
                select(memories).where(memories.c.pk > last).order_by(memories.c.pk).limit(batch)
            ).all()
            if not rows:
                return
            last = rows[-1].pk
            yield [_memory(r) for r in rows]

    # --- whole-user deletion ----------------------------------------------------------
    def purge_user(self, conn: Connection, user_id: str) -> list[str]:
        """Hard-delete every row of a user; returns the memory ids (for the vector index)."""
        ids = list(
            conn.execute(select(memories.c.id).where(memories.c.user_id == user_id)).scalars()
        )
        for table in metadata.sorted_tables:  # every table of the schema, present and future
            if "user_id" in table.c:
                conn.execute(table.delete().where(table.c.user_id == user_id))
        return ids


_PK_SORTED_AFTER = memories.c.pk + 0


def _memory_row(record: MemoryRecord) -> dict[str, Any]:
    return {**to_row(record), "index_dirty": True}  # the index follows after the commit


def _memory(row) -> MemoryRecord:
    return from_row(MemoryRecord, row)


__all__ = ["MemoryQuery", "SQLStore", "metadata"]
