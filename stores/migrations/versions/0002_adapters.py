"""Parametric memory: the registry of LoRA adapters.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from agentmem.stores.schema import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "adapters",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(36), nullable=False, unique=True),
        sa.Column("user_id", sa.String(256), nullable=False),
        sa.Column("agent_id", sa.String(256)),
        sa.Column("session_id", sa.String(256)),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("base_fingerprint", sa.String(64), nullable=False),
        sa.Column("fact_ids", sa.JSON, nullable=False),
        sa.Column("config", sa.JSON, nullable=False),
        sa.Column("metrics", sa.JSON, nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_adapters_scope", "adapters", ["user_id", "agent_id", "version"])


def downgrade() -> None:
    op.drop_index("ix_adapters_scope", table_name="adapters")
    op.drop_table("adapters")
