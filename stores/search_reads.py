"""The reads of one search, as statements built once per query shape and reused.

Building a SQLAlchemy statement and its cache key costs more Python than SQLite spends
running it; a statement kept and executed with new parameters skips both (its cache key
is memoised on the object, so the compiled form is found at once). A query whose filter
holds values that are not bound by name (`MemoryQuery.shape()` is None) gets a fresh
statement, as before.

What ranking needs of a candidate (valid_from, importance, speaker) is read in one
statement, and the session neighbours bring the same columns of each neighbour along,
so a neighbour that joins the candidates costs no further round trip.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, func, null, or_, select
from sqlalchemy.engine import Connection

from agentmem.stores import fulltext
from agentmem.stores.schema import memories

Signal = tuple[datetime, float, Any]  # valid_from, importance, the speaker's name if named


class SearchReads:
    """Statements of the search path, cached per (read, dialect, query shape, extra)."""

    def __init__(self) -> None:
        self._cache: dict[tuple, Any] = {}

    def statement(self, key: tuple, query, dialect: str, build: Callable[[Any], Any]):
        shape = query.shape()
        if shape is None:
            return build(query.condition(dialect))
        full = (*key, dialect, shape)
        stmt = self._cache.get(full)
        if stmt is None:
            stmt = self._cache[full] = build(query.condition(dialect))
        return stmt

    def signals(self, conn: Connection, ids: Iterable[str], query) -> dict[str, Signal]:
        """(valid_from, importance, speaker) of the given memories that pass the filter."""
        ids = list(ids)
        if not ids:
            return {}
        m = memories.c

        def build(where):
            return select(m.id, m.valid_from, m.importance, _speaker(dialect)).where(
                m.id.in_(bindparam("ids", expanding=True)), where
            )

        dialect = conn.dialect.name
        stmt = self.statement(("signals",), query, dialect, build)
        rows = conn.execute(stmt, {**query.params(), "ids": ids})
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    def neighbours(
        self, conn: Connection, ids: Iterable[str], query, window: int
    ) -> tuple[dict[str, list[tuple[str, int]]], dict[str, Signal]]:
        """For each of `ids` said in a session: the memories up to `window` places before
        and after it in that session (insertion order), with their distance, among those
        that pass the filter; and the signals of those neighbours, from the same
        statement. Summaries are not turns and take no part."""
        ids = list(ids)
        if not ids or window < 1:
            return {}, {}
        dialect = conn.dialect.name
        stmt = self.statement(
            ("neighbours", window), query, dialect, lambda w: _neighbours(w, window, dialect)
        )
        wanted = set(ids)
        around: dict[str, list[tuple[str, int]]] = {}
        rows: dict[str, Signal] = {}
        for r in conn.execute(stmt, {**query.params(), "ids": ids}):
            rows[r[0]] = (r[1], r[2], r[3])
            if r[0] in wanted:
                around[r[0]] = [
                    (r[4 + i], 1 + i // 2) for i in range(2 * window) if r[4 + i] is not None
                ]
        return around, {mid: rows[mid] for places in around.values() for mid, _ in places}

    def fulltext(self, conn: Connection, text: str, query, limit: int) -> list[tuple[str, float]]:
        """(memory id, full-text score in [0, 1]) best first, for the memories passing the
        query's filter."""
        dialect = conn.dialect.name
        values = fulltext.bound_values(dialect, text, query.user_id)
        if values is None:
            return []
        stmt = self.statement(
            ("fulltext", len(values), limit),
            query,
            dialect,
            lambda where: fulltext.statement(dialect, len(values), where, limit),
        )
        return fulltext.normalise(conn.execute(stmt, {**query.params(), **values}).all())

    def records(self, conn: Connection, ids: list[str], query, to_record) -> dict[str, Any]:
        """Whole records of the given memories that pass the filter."""
        if not ids:
            return {}

        def build(where):
            return select(memories).where(
                memories.c.id.in_(bindparam("ids", expanding=True)), where
            )

        stmt = self.statement(("records",), query, conn.dialect.name, build)
        return {r.id: to_record(r) for r in conn.execute(stmt, {**query.params(), "ids": ids})}


def _speaker(dialect: str):
    """The metadata `speaker` when it is a JSON string, as SQL text: decoding JSON in
    Python for every candidate row costs more than the rest of its row."""
    element = memories.c.meta["speaker"]
    typeof = (
        func.json_typeof(element)
        if dialect == "postgresql"
        else func.json_type(memories.c.meta, "$.speaker")
    )
    kind = "string" if dialect == "postgresql" else "text"
    return case((typeof == kind, element.as_string()), else_=null())


def _neighbours(where, window: int, dialect: str):
    """The window rows of the given ids and of their neighbours (X is Y's neighbour at d
    places iff Y is X's at d places: the rows where any place holds a given id), with
    the signals of each row read only for the rows returned."""
    m = memories.c
    ids = bindparam("ids", expanding=True)
    sessions = (
        select(m.session_id)
        .where(m.id.in_(ids), m.user_id == bindparam("user_id"), m.session_id.is_not(None))
        .distinct()
    )
    order = {"partition_by": m.session_id, "order_by": m.pk}
    places = [
        fn(m.id, d).over(**order).label(f"{name}{d}")
        for d in range(1, window + 1)
        for name, fn in (("before", func.lag), ("after", func.lead))
    ]
    rows = select(m.pk, m.id, *places).where(where, m.session_id.in_(sessions), m.kind != "summary")
    win = rows.subquery()
    around = [win.c[p.name] for p in places]
    return (
        select(win.c.id, m.valid_from, m.importance, _speaker(dialect), *around)
        .join_from(win, memories, memories.c.pk == win.c.pk)
        .where(or_(*(c.in_(ids) for c in [win.c.id, *around])))
    )
