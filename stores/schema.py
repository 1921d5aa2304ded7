"""SQL schema (SQLAlchemy Core). Migrations in `migrations/versions` create exactly this."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData()

ID = 36
SCOPE_ID = 256


class UTCDateTime(TypeDecorator):
    """Stored as naive UTC in every dialect, returned timezone-aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)

    def result_processor(self, dialect, coltype):
        """On SQLite the stored text is ISO 8601 (SQLAlchemy's DateTime writes
        `YYYY-MM-DD HH:MM:SS.ffffff`): read it with `datetime.fromisoformat` in one step,
        instead of SQLAlchemy's regular expression followed by `process_result_value`
        (a search reads hundreds of times; measured about a twentieth of its CPU)."""
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        return _sqlite_time


@functools.lru_cache(maxsize=4096)
def _sqlite_time(value: str | datetime | None) -> datetime | None:
    """A stored SQLite time, timezone-aware. Remembered: a record's times are mostly
    stamped from one clock reading (created, updated, valid from, recorded) and a batch
    written together shares it, so a read parses each distinct text once (a datetime
    cannot change, so every reader may hold the same one)."""
    if value is None:
        return None
    if isinstance(value, datetime):  # a value SQLite's adapters already converted
        return value.replace(tzinfo=UTC)
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _scope_columns() -> list[Column]:
    return [
        Column("user_id", String(SCOPE_ID), nullable=False),
        Column("agent_id", String(SCOPE_ID)),
        Column("session_id", String(SCOPE_ID)),
    ]


episodes = Table(
    "episodes",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("id", String(ID), nullable=False, unique=True),
    *_scope_columns(),
    Column("seq", Integer, nullable=False, default=0),
    Column("role", String(16), nullable=False),
    Column("content", Text, nullable=False),
    Column("salience", Float, nullable=False, default=0.0),
    Column("meta", JSON, nullable=False, default=dict),
    Column("created_at", UTCDateTime, nullable=False),
    Column("consolidated", Boolean, nullable=False, default=False),
    Index("ix_episodes_scope", "user_id", "session_id", "seq"),
)

memories = Table(
    "memories",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("id", String(ID), nullable=False, unique=True),
    *_scope_columns(),
    Column("kind", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("subject", String(256)),
    Column("attribute", String(256)),
    Column("value", Text),
    Column("meta", JSON, nullable=False, default=dict),
    Column("importance", Float, nullable=False, default=0.5),
    Column("confidence", Float, nullable=False, default=1.0),
    Column("source", String(32), nullable=False, default="user"),
    Column("access_count", Integer, nullable=False, default=0),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("valid_from", UTCDateTime, nullable=False),
    Column("valid_to", UTCDateTime),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("superseded_by", String(ID)),
    Column("status", String(16), nullable=False, default="active"),
    Column("version", Integer, nullable=False, default=1),
    Column("last_accessed_at", UTCDateTime),
    # Set in the same transaction as any change; cleared once the vector index has it.
    Column("index_dirty", Boolean, nullable=False, default=True),
    Index("ix_memories_user_status", "user_id", "status"),
    Index("ix_memories_scope", "user_id", "agent_id", "session_id"),
    Index("ix_memories_slot", "user_id", "subject", "attribute", "status"),
    Index("ix_memories_dirty", "index_dirty"),
    Index("ix_memories_session_order", "user_id", "session_id", "pk"),  # migration 0005
    # and, by dialect (migration 0004), an index on lower(text) for same-text lookups
)

# A scope's vector generation: bumped by every writer once its vectors reached the index,
# read by each search to know whether an in-process copy of them is current
# (`stores/vector_copy.py`). A new row starts at a time-based value, so a scope purged and
# written again does not count through the numbers it had before.
index_generations = Table(
    "index_generations",
    metadata,
    Column("user_id", String(SCOPE_ID), primary_key=True),
    Column("generation", BigInteger, nullable=False),
)

memory_events = Table(
    "memory_events",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("id", String(ID), nullable=False, unique=True),
    Column("memory_id", String(ID), nullable=False, index=True),
    *_scope_columns(),
    Column("op", String(16), nullable=False),
    Column("old_text", Text),
    Column("new_text", Text),
    Column("actor", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("related_id", String(ID)),
    Column("details", JSON, nullable=False, default=dict),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_events_user", "user_id", "created_at"),
)

conflicts = Table(
    "conflicts",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("id", String(ID), nullable=False, unique=True),
    *_scope_columns(),
    Column("memory_ids", JSON, nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(16), nullable=False, default="open"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("resolved_at", UTCDateTime),
    Column("resolution", Text),
    Index("ix_conflicts_user_status", "user_id", "status"),
)

# Tables a caller may read through Memory.sql, each exposed as a view confined to the scope.
READABLE = {
    "memories": memories,
    "episodes": episodes,
    "memory_events": memory_events,
    "conflicts": conflicts,
}

# Parametric memory (issue 6): one row per trained LoRA adapter version of a (user, agent) scope.
adapters = Table(
    "adapters",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("id", String(ID), nullable=False, unique=True),
    *_scope_columns(),
    Column("version", Integer, nullable=False),
    # "active" (in use), "stale" (in use, a fact changed since), "inactive" (kept for rollback)
    Column("status", String(16), nullable=False, default="active"),
    Column("base_fingerprint", String(64), nullable=False),
    Column("fact_ids", JSON, nullable=False, default=dict),  # memory id -> version trained
    Column("config", JSON, nullable=False, default=dict),
    Column("metrics", JSON, nullable=False, default=dict),
    Column("path", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_adapters_scope", "user_id", "agent_id", "version"),
)
READABLE["adapters"] = adapters
