"""Reading and bumping a scope's vector generation (`schema.index_generations`).

Every writer of a scope's vectors bumps it after they reached the index; a search reads it
to know whether its in-process copy of the scope is current (`stores/vector_copy.py`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection

from agentmem.stores import prepared
from agentmem.stores.schema import index_generations as table

READ = select(table.c.generation).where(table.c.user_id == bindparam("user_id"))


class Generations:
    """The read prepared once per dialect, and the bump."""

    def __init__(self) -> None:
        self._read: dict[str, prepared.Prepared | prepared.Direct] = {}

    def read(self, conn: Connection, user_id: str) -> int:
        """The scope's generation; 0 when no writer has bumped it yet."""
        name = conn.dialect.name
        stmt = self._read.get(name)
        if stmt is None:
            stmt = self._read[name] = prepared.prepare(READ, conn.dialect)
        rows = stmt.raw(conn, {"user_id": user_id})
        return int(rows[0][0]) if rows else 0

    def bump(self, conn: Connection, users: Iterable[str]) -> dict[str, tuple[int, int]]:
        """Move each scope's generation on; returns user -> (before, after), before 0 for
        a new row. A new row starts at the clock in microseconds, so a scope purged (its
        row deleted) and written again never comes back to a generation it had."""
        if conn.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        out = {}
        for user_id in sorted(set(users)):  # one order: two writers never wait on each other
            start = time.time_ns() // 1000
            stmt = (
                insert(table)
                .values(user_id=user_id, generation=start)
                .on_conflict_do_update(
                    index_elements=[table.c.user_id],
                    set_={"generation": table.c.generation + 1},
                )
                .returning(table.c.generation)
            )
            after = int(conn.execute(stmt).scalar_one())
            out[user_id] = (0 if after == start else after - 1, after)
        return out
