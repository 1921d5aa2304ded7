"""A generation per scope of the vector index, bumped by every writer of its vectors.

Revision ID: 0006
Revises: 0005

A search keeps an in-process copy of a small scope's vectors (`stores/vector_copy.py`)
and reads this row to learn whether another process wrote the scope since the copy was
taken.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "index_generations",
        sa.Column("user_id", sa.String(256), primary_key=True),
        sa.Column("generation", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("index_generations")
