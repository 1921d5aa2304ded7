"""An index for the session-neighbour reads of every search (a turn's places before and
after it in its session, in insertion order).

Revision ID: 0005
Revises: 0004

A hybrid search reads, for each candidate said in a session, the turns up to
`search.neighbour_window` places either side of it (`stores/search_reads.py`). On
(user_id, session_id, pk) each of those reads is a short walk from the candidate's own
row; without it SQLite scanned every row of the candidates' sessions.
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

INDEX = "ix_memories_session_order"


def upgrade() -> None:
    op.create_index(INDEX, "memories", ["user_id", "session_id", "pk"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="memories")
