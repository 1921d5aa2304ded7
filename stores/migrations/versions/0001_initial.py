"""Initial schema: episodes, memories (+ full-text index), memory_events, conflicts.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from agentmem.stores import fulltext
from agentmem.stores.schema import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _scope():
    return [
        sa.Column("user_id", sa.String(256), nullable=False),
        sa.Column("agent_id", sa.String(256)),
        sa.Column("session_id", sa.String(256)),
    ]


def _key():
    return [
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(36), nullable=False, unique=True),
    ]


def upgrade() -> None:
    op.create_table(
        "episodes",
        *_key(),
        *_scope(),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("salience", sa.Float, nullable=False),
        sa.Column("meta", sa.JSON, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("consolidated", sa.Boolean, nullable=False),
    )
    op.create_index("ix_episodes_scope", "episodes", ["user_id", "session_id", "seq"])
    op.create_table(
        "memories",
        *_key(),
        *_scope(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("subject", sa.String(256)),
        sa.Column("attribute", sa.String(256)),
        sa.Column("value", sa.Text),
        sa.Column("meta", sa.JSON, nullable=False),
        sa.Column("importance", sa.Float, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("access_count", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("valid_from", UTCDateTime, nullable=False),
        sa.Column("valid_to", UTCDateTime),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
        sa.Column("superseded_by", sa.String(36)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("last_accessed_at", UTCDateTime),
        sa.Column("index_dirty", sa.Boolean, nullable=False),
    )
    op.create_index("ix_memories_user_status", "memories", ["user_id", "status"])
    op.create_index("ix_memories_scope", "memories", ["user_id", "agent_id", "session_id"])
    op.create_index("ix_memories_slot", "memories", ["user_id", "subject", "attribute", "status"])
    op.create_index("ix_memories_dirty", "memories", ["index_dirty"])
    op.create_table(
        "memory_events",
        *_key(),
        *_scope(),
        sa.Column("memory_id", sa.String(36), nullable=False),
        sa.Column("op", sa.String(16), nullable=False),
        sa.Column("old_text", sa.Text),
        sa.Column("new_text", sa.Text),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("related_id", sa.String(36)),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_memory_events_memory_id", "memory_events", ["memory_id"])
    op.create_index("ix_events_user", "memory_events", ["user_id", "created_at"])
    op.create_table(
        "conflicts",
        *_key(),
        *_scope(),
        sa.Column("memory_ids", sa.JSON, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("resolved_at", UTCDateTime),
        sa.Column("resolution", sa.Text),
    )
    op.create_index("ix_conflicts_user_status", "conflicts", ["user_id", "status"])
    fulltext.create(op.get_bind())


def downgrade() -> None:
    fulltext.drop(op.get_bind())
    for table in ("conflicts", "memory_events", "memories", "episodes"):
        op.drop_table(table)
