"""An index for the same-text lookups of every write (a memory's text, case aside).

Revision ID: 0004
Revises: 0003

Each add looks its texts up among the user's memories (`MemoryQuery.text_in`: a statement
made again is reinforced, not stored twice); without an index each lookup read every row
of the user. SQLite: a b-tree on (user_id, status, lower(text)). PostgreSQL: a hash index on
lower(text), since a b-tree entry cannot hold a text of more than about 2,700 bytes.
"""

from alembic import op
from sqlalchemy import text

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

INDEX = "ix_memories_text_lower"


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"CREATE INDEX {INDEX} ON memories USING hash (lower(text))"))
    else:
        conn.execute(text(f"CREATE INDEX {INDEX} ON memories (user_id, status, lower(text))"))


def downgrade() -> None:
    op.get_bind().execute(text(f"DROP INDEX IF EXISTS {INDEX}"))
