"""The SQL store: the source of truth for episodes, memories, audit events and conflicts.

Written against SQLAlchemy Core so that SQLite (embedded default) and PostgreSQL share one
code path; dialect-specific SQL lives in `fulltext.py` only. Every read takes a user id:
the store never returns a row of another user.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Numeric,
    and_,
    bindparam,
    case,
    cast,
    create_engine,
    event,
    false,
    func,
    literal,
    null,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.elements import ColumnElement

from agentmem.checks import check_key
from agentmem.errors import StoreError
from agentmem.stores import sql_writer
from agentmem.stores.schema import conflicts, episodes, memories, memory_events, metadata
from agentmem.stores.search_reads import SearchReads, Signal
from agentmem.types import Conflict, Episode, MemoryEvent, MemoryRecord, Scope

try:
    import fcntl
except ImportError:  # not POSIX: SQLite migrations are not serialised across processes
    fcntl = None

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 0x61676D6D  # advisory lock key while migrating a PostgreSQL database


@dataclass
class MemoryQuery:
    """Which memories of one user a read may see (the parts of a search's `filters`)."""

    user_id: str
    agent_id: str | None = None
    kinds: Sequence[str] | None = None
    statuses: Sequence[str] | None = ("active",)
    as_of: datetime | None = None
    session_id: str | None = None
    subject: str | None = None
    attribute: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    text_equals: str | None = None  # case-insensitive exact text (duplicate detection)
    text_in: Sequence[str] | None = None  # case-insensitive: any of these texts
    metadata: dict[str, Any] = field(default_factory=dict)

    def condition(self, dialect: str) -> ColumnElement[bool]:
        """The filter as SQL. Its values are named bind parameters, so a statement built
        for one query serves every query of the same `shape()` given `params()`."""
        m = memories.c
        parts: list[ColumnElement[bool]] = [m.user_id == _bind("user_id", self.user_id)]
        if self.agent_id is not None:  # an agent sees its own and the user's shared memories
            parts.append(or_(m.agent_id == _bind("agent_id", self.agent_id), m.agent_id.is_(None)))
        if self.as_of is not None:
            as_of = _bind("as_of", self.as_of, m.valid_from.type)
            parts += [
                m.valid_from <= as_of,
                m.recorded_at <= as_of,
                or_(m.valid_to.is_(None), m.valid_to > as_of),
            ]
        elif self.statuses:
            parts.append(m.status.in_(_bind("statuses", list(self.statuses), expanding=True)))
        if self.kinds:
            parts.append(m.kind.in_(_bind("kinds", list(self.kinds), expanding=True)))
        for column in ("session_id", "subject", "attribute"):
            if getattr(self, column) is not None:
                parts.append(m[column] == _bind(column, getattr(self, column)))
        if self.created_after is not None:
            parts.append(
                m.created_at >= _bind("created_after", self.created_after, m.created_at.type)
            )
        if self.created_before is not None:
            parts.append(
                m.created_at < _bind("created_before", self.created_before, m.created_at.type)
            )
        if self.text_equals is not None:
            parts.append(func.lower(m.text) == func.lower(self.text_equals))
        if self.text_in is not None:
            parts.append(func.lower(m.text).in_([func.lower(literal(t)) for t in self.text_in]))
        for key, value in self.metadata.items():  # the key goes into a JSON path: a name only
            parts.append(_json_equals(m.meta[check_key(key, "metadata filter")], value, dialect))
        return and_(*parts)

    def shape(self) -> tuple | None:
        """What a statement built on `condition()` depends on besides `params()`; None
        when the filter holds values that are not bound by name (texts, metadata)."""
        if self.text_equals is not None or self.text_in is not None or self.metadata:
            return None
        named = ("agent_id", "as_of", "session_id", "subject", "attribute")
        return (
            *(getattr(self, k) is not None for k in named),
            self.as_of is None and bool(self.statuses),
            bool(self.kinds),
            self.created_after is not None,
            self.created_before is not None,
        )

    def params(self) -> dict[str, Any]:
        """The values of the named bind parameters of `condition()`."""
        out: dict[str, Any] = {"user_id": self.user_id}
        for key in ("agent_id", "as_of", "session_id", "subject", "attribute"):
            out[key] = getattr(self, key)
        out.update(created_after=self.created_after, created_before=self.created_before)
        out.update(statuses=list(self.statuses or []), kinds=list(self.kinds or []))
        return out


def _bind(name: str, value: Any, type_=None, *, expanding: bool = False):
    return bindparam(name, value, type_=type_, expanding=expanding)


def _json_equals(element, value: Any, dialect: str) -> ColumnElement[bool]:
    if dialect == "postgresql" and isinstance(value, bool | int | float):
        # Cast only values of the matching JSON type (CASE, since AND does not short-circuit
        # in SQL); bind numbers as NUMERIC: an int bound as INTEGER overflows above 2**31 - 1.
        kind, target = ("boolean", Boolean()) if isinstance(value, bool) else ("number", Numeric())
        typed = case(
            (func.json_typeof(element) == kind, cast(element.as_string(), target)), else_=null()
        )
        return typed == literal(value, target)
    if isinstance(value, bool):
        return element.as_boolean() == value
    if isinstance(value, int):
        return element.as_integer() == value
    if isinstance(value, float):
        return element.as_float() == value
    return element.as_string() == str(value)


class SQLStore:
    """Episodes, memories, events and conflicts in one SQL database."""

    def __init__(self, url: str, *, busy_timeout_ms: int = 30_000, echo: bool = False) -> None:
        self.url = url
        self.engine = _make_engine(url, busy_timeout_ms, echo)
        self.search_reads = SearchReads()
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
        if not _storable(memory_id):
            return None
        row = conn.execute(
            select(memories).where(memories.c.id == memory_id, memories.c.user_id == user_id)
        ).first()
        return None if row is None else _memory(row)

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
        self, conn: Connection, ids: Iterable[str], query: MemoryQuery, window: int = 1
    ) -> tuple[dict[str, list[tuple[str, int]]], dict[str, Signal]]:
        """For each of `ids` said in a session: the memories up to `window` places before
        and after it in that session (insertion order), with their distance, among those
        that pass the query's filter; and the ranking signals of those neighbours.
        Summaries are not turns and take no part."""
        return self.search_reads.neighbours(conn, ids, query, window)

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
        order = memories.c.pk.desc() if newest_first else memories.c.pk.asc()
        stmt = select(memories).where(query.condition(conn.dialect.name)).order_by(order)
        if limit is not None:
            stmt = stmt.limit(limit)
        return [_memory(r) for r in conn.execute(stmt)]

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

    # --- events ---------------------------------------------------------------------
    def insert_events(self, conn: Connection, events: Sequence[MemoryEvent]) -> None:
        if events:
            conn.execute(memory_events.insert(), [_event_row(e) for e in events])

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
        return [_event(r) for r in rows]

    def get_event(self, conn: Connection, event_id: str, user_id: str) -> MemoryEvent | None:
        if not _storable(event_id):
            return None
        row = conn.execute(
            select(memory_events).where(
                memory_events.c.id == event_id, memory_events.c.user_id == user_id
            )
        ).first()
        return None if row is None else _event(row)

    # --- episodes -------------------------------------------------------------------
    def insert_episodes(self, conn: Connection, items: Sequence[Episode]) -> None:
        if items:
            conn.execute(episodes.insert(), [_episode_row(e) for e in items])

    def next_episode_seq(self, conn: Connection, scope: Scope) -> int:
        stmt = select(func.coalesce(func.max(episodes.c.seq), 0)).where(
            episodes.c.user_id == scope.user_id,
            _eq_or_null(episodes.c.session_id, scope.session_id),
        )
        return int(conn.execute(stmt).scalar_one()) + 1

    def list_episodes(
        self,
        conn: Connection,
        scope: Scope,
        *,
        after_seq: int = 0,
        limit: int | None = None,
        unconsolidated: bool = False,
        newest_first: bool = False,
    ) -> list[Episode]:
        c = episodes.c
        stmt = select(episodes).where(*_session_of(scope), c.seq > after_seq)
        if unconsolidated:
            stmt = stmt.where(c.consolidated == false())
        stmt = stmt.order_by(c.seq.desc() if newest_first else c.seq.asc())
        if limit is not None:
            stmt = stmt.limit(limit)
        return [_episode(r) for r in conn.execute(stmt)]

    def delete_episodes(self, conn: Connection, scope: Scope) -> int:
        """Delete the transcript of the scope's session (its agent's, or the agent-less one)."""
        return int(conn.execute(episodes.delete().where(*_session_of(scope))).rowcount or 0)

    def episodes_without_memory(self, conn: Connection, limit: int) -> list[Episode]:
        """Episodes that have no memory row of their own yet (oldest first)."""
        stmt = (
            select(episodes)
            .outerjoin(memories, memories.c.id == episodes.c.id)
            .where(memories.c.id.is_(None))
            .order_by(episodes.c.pk)
            .limit(limit)
        )
        return [_episode(r) for r in conn.execute(stmt)]

    def episodes_near(
        self,
        conn: Connection,
        user_id: str,
        session_id: str | None,
        seqs: Sequence[int],
        radius: int,
    ) -> list[Episode]:
        """The episodes of one session within `radius` of any of `seqs`, in order."""
        c = episodes.c
        near = or_(*(c.seq.between(s - radius, s + radius) for s in seqs))
        stmt = (
            select(episodes)
            .where(c.user_id == user_id, _eq_or_null(c.session_id, session_id), near)
            .order_by(c.seq)
        )
        return [_episode(r) for r in conn.execute(stmt)]

    def get_episodes(self, conn: Connection, ids: Sequence[str], user_id: str) -> list[Episode]:
        ids = [i for i in ids if _storable(i)]
        if not ids:
            return []
        stmt = select(episodes).where(episodes.c.id.in_(ids), episodes.c.user_id == user_id)
        return [_episode(r) for r in conn.execute(stmt)]

    def mark_consolidated(self, conn: Connection, ids: Sequence[str], user_id: str) -> None:
        if ids:
            conn.execute(
                update(episodes)
                .where(episodes.c.id.in_(list(ids)), episodes.c.user_id == user_id)
                .values(consolidated=True)
            )

    def update_episode_meta(
        self, conn: Connection, episode_id: str, user_id: str, meta: dict[str, Any]
    ) -> None:
        """Replace an episode's metadata (its content is never changed)."""
        conn.execute(
            update(episodes)
            .where(episodes.c.id == episode_id, episodes.c.user_id == user_id)
            .values(meta=dict(meta))
        )

    # --- conflicts ------------------------------------------------------------------
    def insert_conflict(self, conn: Connection, item: Conflict) -> None:
        conn.execute(conflicts.insert(), [_conflict_row(item)])

    def list_conflicts(
        self, conn: Connection, user_id: str, status: str | None = "open"
    ) -> list[Conflict]:
        stmt = select(conflicts).where(conflicts.c.user_id == user_id).order_by(conflicts.c.pk)
        if status is not None:
            stmt = stmt.where(conflicts.c.status == status)
        return [_conflict(r) for r in conn.execute(stmt)]

    def get_conflict(self, conn: Connection, conflict_id: str, user_id: str) -> Conflict | None:
        if not _storable(conflict_id):
            return None
        row = conn.execute(
            select(conflicts).where(conflicts.c.id == conflict_id, conflicts.c.user_id == user_id)
        ).first()
        return None if row is None else _conflict(row)

    def update_conflict(self, conn: Connection, conflict_id: str, user_id: str, **values) -> None:
        conn.execute(
            update(conflicts)
            .where(conflicts.c.id == conflict_id, conflicts.c.user_id == user_id)
            .values(**values)
        )

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


def _storable(key: str) -> bool:
    """An id that no row can have (PostgreSQL text cannot even hold a NUL) finds nothing."""
    return isinstance(key, str) and "\x00" not in key


def _eq_or_null(column, value) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


def _session_of(scope: Scope) -> list[ColumnElement[bool]]:
    """The episodes of one session slot: a transcript belongs to its user, agent and session."""
    c = episodes.c
    return [
        c.user_id == scope.user_id,
        _eq_or_null(c.agent_id, scope.agent_id),
        _eq_or_null(c.session_id, scope.session_id),
    ]


SQLITE_POOL = 40


def _make_engine(url: str, busy_timeout_ms: int, echo: bool) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False},
            # a connection per server thread (anyio's pool has 40): a smaller pool closes
            # and reopens connections, PRAGMAs included, on every burst of requests
            **_sqlite_pool(url),
        )
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout_ms))
        sql_writer.install(engine, busy_timeout_ms / 1000)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _sqlite_pool(url: str) -> dict[str, int]:
    """Pool sizes for a file database (an in-memory one has a connection per thread)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import QueuePool

    parsed = make_url(url)
    if issubclass(parsed.get_dialect().get_pool_class(parsed), QueuePool):
        return {"pool_size": SQLITE_POOL, "max_overflow": SQLITE_POOL}
    return {}


def _sqlite_pragmas(busy_timeout_ms: int):
    def on_connect(dbapi_conn, _record) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    return on_connect


# --- row <-> record -----------------------------------------------------------------
def _scope(row) -> Scope:
    return Scope(user_id=row.user_id, agent_id=row.agent_id, session_id=row.session_id)


def _memory_row(r: MemoryRecord) -> dict[str, Any]:
    row = {k: v for k, v in r.to_dict().items() if k not in ("scope", "metadata")}
    for key in (
        "created_at",
        "updated_at",
        "valid_from",
        "valid_to",
        "recorded_at",
        "last_accessed_at",
    ):
        row[key] = getattr(r, key)
    row.update(r.scope.to_dict(), meta=r.metadata, index_dirty=True)
    return row


def _memory(row) -> MemoryRecord:
    return MemoryRecord(
        id=row.id,
        text=row.text,
        scope=_scope(row),
        kind=row.kind,
        subject=row.subject,
        attribute=row.attribute,
        value=row.value,
        metadata=row.meta or {},
        importance=row.importance,
        confidence=row.confidence,
        source=row.source,
        access_count=row.access_count,
        created_at=row.created_at,
        updated_at=row.updated_at,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        recorded_at=row.recorded_at,
        superseded_by=row.superseded_by,
        status=row.status,
        version=row.version,
        last_accessed_at=row.last_accessed_at,
    )


def _event_row(e: MemoryEvent) -> dict[str, Any]:
    return {
        "id": e.id,
        "memory_id": e.memory_id,
        **e.scope.to_dict(),
        "op": e.op,
        "old_text": e.old_text,
        "new_text": e.new_text,
        "actor": e.actor,
        "reason": e.reason,
        "related_id": e.related_id,
        "details": e.details,
        "created_at": e.created_at,
    }


def _event(row) -> MemoryEvent:
    return MemoryEvent(
        id=row.id,
        memory_id=row.memory_id,
        scope=_scope(row),
        op=row.op,
        old_text=row.old_text,
        new_text=row.new_text,
        actor=row.actor,
        reason=row.reason,
        created_at=row.created_at,
        related_id=row.related_id,
        details=row.details or {},
    )


def _episode_row(e: Episode) -> dict[str, Any]:
    return {
        "id": e.id,
        **e.scope.to_dict(),
        "seq": e.seq,
        "role": e.role,
        "content": e.content,
        "salience": e.salience,
        "meta": e.metadata,
        "created_at": e.created_at,
        "consolidated": e.consolidated,
    }


def _episode(row) -> Episode:
    return Episode(
        id=row.id,
        scope=_scope(row),
        role=row.role,
        content=row.content,
        created_at=row.created_at,
        salience=row.salience,
        seq=row.seq,
        metadata=row.meta or {},
        consolidated=row.consolidated,
    )


def _conflict_row(c: Conflict) -> dict[str, Any]:
    return {
        "id": c.id,
        **c.scope.to_dict(),
        "memory_ids": c.memory_ids,
        "reason": c.reason,
        "status": c.status,
        "created_at": c.created_at,
        "resolved_at": c.resolved_at,
        "resolution": c.resolution,
    }


def _conflict(row) -> Conflict:
    return Conflict(
        id=row.id,
        scope=_scope(row),
        memory_ids=list(row.memory_ids),
        reason=row.reason,
        status=row.status,
        created_at=row.created_at,
        resolved_at=row.resolved_at,
        resolution=row.resolution,
    )


__all__ = ["MemoryQuery", "SQLStore", "metadata"]
