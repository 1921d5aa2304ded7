"""Full text stems English words (FTS5 porter, PostgreSQL english_stem).

Revision ID: 0003
Revises: 0002

The index is derived from the memories table: it is dropped and rebuilt from it.
"""

from alembic import op
from sqlalchemy import text

from agentmem.stores import fulltext

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

LEGACY_PG_CONFIG = "agentmem_fts"  # the unstemmed configuration of 0001


def upgrade() -> None:
    conn = op.get_bind()
    fulltext.drop(conn)
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {LEGACY_PG_CONFIG}"))
    fulltext.create(conn)


def downgrade() -> None:
    """Nothing to undo by hand: 0001's downgrade drops whichever index exists."""
