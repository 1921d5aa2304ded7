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

import json
from collections import namedtuple
from collections.abc import Callable, Container, Iterable
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, case, func, literal_column, null, select, true
from sqlalchemy.engine import Connection
from sqlalchemy.sql.util import ClauseAdapter
from sqlalchemy.sql.visitors import replacement_traverse

from agentmem.stores import fulltext, prepared
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

    def reader(self, key: tuple, query, conn: Connection, build: Callable[[Any], Any]):
        """`statement`, compiled once for the connection's dialect (`prepared.prepare`)."""
        dialect, shape = conn.dialect, query.shape()
        if shape is None:
            return prepared.Direct(build(query.condition(dialect.name)))
        full = ("prepared", *key, dialect.name, shape)
        read = self._cache.get(full)
        if read is None:
            stmt = self.statement(key, query, dialect.name, build)
            read = self._cache[full] = prepared.prepare(stmt, dialect)
        return read

    def signals(self, conn: Connection, ids: Iterable[str], query) -> dict[str, Signal]:
        """(valid_from, importance, speaker) of the given memories that pass the filter."""
        ids = list(ids)
        if not ids:
            return {}
        m = memories.c

        def build(where):
            return select(m.id, m.valid_from, m.importance, _speaker(dialect)).where(
                _among_ids(m.id, dialect), _by_id(where, memories, dialect)
            )

        dialect = conn.dialect.name
        read = self.reader(("signals",), query, conn, build)
        rows = read.all(conn, {**query.params(), "ids": _id_list(ids, dialect)})
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    def neighbours(
        self,
        conn: Connection,
        ids: Iterable[str],
        query,
        window: int,
        known: Container[str] = (),
    ) -> tuple[dict[str, list[tuple[str, int]]], dict[str, Signal]]:
        """For each of `ids` said in a session: the memories up to `window` places before
        and after it in that session (insertion order), with their distance, among those
        that pass the filter; and the signals of those neighbours not in `known` (the
        caller has those), from the same statement. Summaries are not turns and take no
        part."""
        ids = list(ids)
        if not ids or window < 1:
            return {}, {}
        dialect = conn.dialect.name
        read = self.reader(
            ("neighbours", window), query, conn, lambda w: _neighbours(w, window, dialect)
        )
        convert = _converter(read.processors[2:5])  # a place's (valid_from, importance, speaker)
        around: dict[str, list[tuple[str, int]]] = {}
        signals: dict[str, Signal] = {}
        for r in read.raw(conn, {**query.params(), "ids": _id_list(ids, dialect)}):
            places = around[r[0]] = []
            for i in range(2 * window):  # before 1, after 1, before 2, ...
                at = 1 + 4 * i
                mid = r[at]
                if mid is None:
                    continue
                places.append((mid, 1 + i // 2))
                if mid not in known and mid not in signals:  # only these are converted
                    signals[mid] = convert(r[at + 1 : at + 4])
        return around, signals

    def ranking(
        self,
        conn: Connection,
        ids: Iterable[str],
        near: Iterable[str],
        query,
        window: int,
        whole: bool = False,
    ) -> tuple[
        dict[str, Signal], dict[str, list[tuple[str, int]]], dict[str, Signal], WholeRows | None
    ]:
        """`signals` and `neighbours` in one statement: the signals of the given memories
        that pass the filter; for each of them that is also in `near` and said in a
        session, its places up to `window` before and after it (as `neighbours` gives
        them); and the signals of those places that are not among the first. A search
        reads the signals of every memory a signal found, and the places of those it
        expects to rank (the rest: `neighbours`). With `whole`, the same statement also
        brings each given memory's whole row (`WholeRows`: records made on demand, so only
        the winners' rows are converted), and `records` need not run for them."""
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}, {}, {}, (WholeRows({}, None) if whole else None)
        dialect = conn.dialect.name
        window = max(window, 0)
        read = self.reader(
            ("ranking", window, whole),
            query,
            conn,
            lambda w: _ranking(w, window, dialect, whole),
        )
        own, convert = _signal(read.processors[1:4]), _signal(read.processors[5:8])
        given = set(ids)
        first = [mid for mid in dict.fromkeys(near) if mid in given]
        if dialect == "sqlite":  # the ids to place first, and how many they are
            chosen = set(first)
            ids, near_value = first + [mid for mid in ids if mid not in chosen], len(first)
        else:
            near_value = first
        params = {**query.params(), "ids": _id_list(ids, dialect), "near": near_value}
        signals: dict[str, Signal] = {}
        around: dict[str, list[tuple[str, int]]] = {}
        found: dict[str, tuple] = {}  # a place's row and where its signals start
        rows = read.raw(conn, params)
        spots = [(4 + 4 * i, 1 + i // 2) for i in range(2 * window)]  # before 1, after 1, ...
        for r in rows:
            signals[r[0]] = own(r, 1)
            mine = None
            for at, distance in spots:
                mid = r[at]
                if mid is not None:
                    if mine is None:
                        mine = around[r[0]] = []
                    mine.append((mid, distance))
                    if mid not in found:
                        found[mid] = (r, at + 1)
        places = {mid: convert(*v) for mid, v in found.items() if mid not in signals}
        if not whole:
            return signals, around, places, None
        start = 4 + 8 * window  # the whole row follows the places
        held = {r[0]: r[start:] for r in rows}
        return signals, around, places, WholeRows(held, read.processors[start:])

    def fulltext(self, conn: Connection, text: str, query, limit: int) -> list[tuple[str, float]]:
        """(memory id, full-text score in [0, 1]) best first, for the memories passing the
        query's filter."""
        dialect = conn.dialect.name
        values = fulltext.bound_values(dialect, text, query.user_id)
        if values is None:
            return []
        read = self.reader(
            ("fulltext", len(values), limit),
            query,
            conn,
            lambda where: fulltext.statement(dialect, len(values), where, limit),
        )
        return fulltext.normalise(read.all(conn, {**query.params(), **values}))

    def records(self, conn: Connection, ids: list[str], query, to_record) -> dict[str, Any]:
        """Whole records of the given memories that pass the filter."""
        if not ids:
            return {}

        def build(where):
            return select(memories).where(
                _among_ids(memories.c.id, dialect),
                _by_id(where, memories, dialect),
            )

        dialect = conn.dialect.name
        read = self.reader(("records",), query, conn, build)
        params = {**query.params(), "ids": _id_list(ids, dialect)}
        return {r.id: to_record(r) for r in read.all(conn, params)}


class WholeRows:
    """Memories' whole rows as a read returned them, made into records on demand: a
    search converts the rows of the few it returns, not of every candidate."""

    def __init__(self, rows: dict[str, tuple], processors) -> None:
        self._rows = rows
        self._processors = processors

    def __contains__(self, memory_id: object) -> bool:
        return memory_id in self._rows

    def records(self, ids: Iterable[str], to_record) -> dict[str, Any]:
        """`to_record` of the rows held of `ids` (a row with its columns by name)."""
        wanted = [mid for mid in ids if mid in self._rows]
        if not wanted:
            return {}
        convert = _converter(self._processors)
        make = _whole_row()._make
        return {mid: to_record(make(convert(self._rows[mid]))) for mid in wanted}


@cache
def _whole_row():
    """The row type of a memory's columns, by name as well as by place."""
    return namedtuple("Row", [c.key for c in memories.columns], rename=True)


def _signal(processors) -> Callable[[tuple, int], Signal]:
    """Reads a `Signal` from a row's three columns at a given place, applying their
    result processors: on SQLite only the time has one (the common case, written out)."""
    when, importance, speaker = processors
    if importance is None and speaker is None:
        if when is None:
            return lambda r, at: (r[at], r[at + 1], r[at + 2])
        return lambda r, at: (when(r[at]), r[at + 1], r[at + 2])
    convert = _converter(processors)
    return lambda r, at: convert(r[at : at + 3])


def _converter(processors) -> Callable[[tuple], tuple]:
    """Applies the result processors of a run of columns (the same at every place)."""
    used = [(i, p) for i, p in enumerate(processors) if p is not None]
    if not used:
        return tuple

    def convert(values: tuple) -> tuple:
        out = list(values)
        for i, process in used:
            out[i] = process(out[i])
        return tuple(out)

    return convert


def _among_ids(column, dialect: str, name: str = "ids"):
    """`column` is one of the ids bound as `ids` (`_id_list`). SQLite reads them from one
    JSON array: the statement's text is then the same for any number of ids, so neither
    SQLAlchemy (which renders an expanding list anew for every execution) nor SQLite
    (which prepares each new text) repeats its work."""
    if dialect != "sqlite":
        return column.in_(bindparam(name, expanding=True))
    return column.in_(select(literal_column("value")).select_from(func.json_each(bindparam(name))))


def _id_list(ids: list[str], dialect: str):
    return json.dumps(ids) if dialect == "sqlite" else ids


def _by_id(where, table, dialect: str):
    """The filter of a read of given ids, written so that SQLite looks the ids up in their
    unique index: without statistics its planner rates an equality on user_id (the first
    column of the other indexes) as more selective than a list of ids, and read every row
    of the user instead (measured: 4,000 memories over 4 users, 100 ids, 0.95 vs 0.44 ms).
    `user_id || ''` is the same value but no indexed column. PostgreSQL plans by its
    statistics."""
    if dialect != "sqlite":
        return where
    column = table.c.user_id
    return replacement_traverse(
        where, {}, lambda e: column.op("||")(literal_column("''")) if e is column else None
    )


def _speaker(dialect: str, table=memories):
    """The metadata `speaker` when it is a JSON string, as SQL text: decoding JSON in
    Python for every candidate row costs more than the rest of its row."""
    element = table.c.meta["speaker"]
    typeof = (
        func.json_typeof(element)
        if dialect == "postgresql"
        else func.json_type(table.c.meta, "$.speaker")
    )
    kind = "string" if dialect == "postgresql" else "text"
    return case((typeof == kind, element.as_string()), else_=null())


def _neighbours(where, window: int, dialect: str):
    """Each given id that passes the filter, is said in a session and is no summary, with
    the id and signals of the row at each place before and after it there (before 1,
    after 1, before 2, ...), as lag/lead over the filtered rows of its session ordered
    by pk would give them. Each place is a correlated read down the (user_id, session_id,
    pk) index from the row's own pk (migration 0005): only the rows shown are visited,
    not whole sessions; it yields the pk, by which the place's row is joined without a
    search of the id index."""
    hit = memories.alias("hit")
    hits = (
        select(hit.c.id, *(p.label(f"place{i}") for i, p in enumerate(_places(where, hit, window))))
        .where(
            _among_ids(hit.c.id, dialect),
            _by_id(ClauseAdapter(hit).traverse(where), hit, dialect),
            hit.c.session_id.is_not(None),
            hit.c.kind != "summary",
        )
        .subquery("hits")
    )
    return _with_places(hits, [hits.c.id], 2 * window, dialect)


def _ranking(where, window: int, dialect: str, whole: bool = False):
    """Each given id that passes the filter with its signals, and, for the first `near`
    of them (SQLite: a count of the ids, which come first; PostgreSQL: a list) that are
    said in a session and are no summary, the places of `_neighbours` (NULL for the
    others: the CASE runs no correlated read for them). On SQLite the ids are read as
    the rows of `json_each`, whose `key` is the place in the list: a test of membership
    in a second list, repeated at each place, cost more than the places' reads. With
    `whole`, every column of the given memory follows the places."""
    hit = memories.alias("hit")
    if dialect == "sqlite":
        given = func.json_each(bindparam("ids")).table_valued("value", "key").alias("given")
        source = given.join(hit, hit.c.id == given.c.value)
        among, wanted = true(), given.c.key < bindparam("near")
    else:
        source, among = hit, _among_ids(hit.c.id, dialect)
        wanted = _among_ids(hit.c.id, dialect, "near")
    said = and_(hit.c.session_id.is_not(None), hit.c.kind != "summary", wanted)
    places = [case((said, p), else_=null()) for p in _places(where, hit, window)]
    hits = (
        select(
            hit.c.id,
            hit.c.valid_from,
            hit.c.importance,
            _speaker(dialect, hit).label("speaker"),
            *(p.label(f"place{i}") for i, p in enumerate(places)),
            *((c.label(f"whole_{c.key}") for c in hit.c) if whole else ()),
        )
        .select_from(source)
        .where(among, _by_id(ClauseAdapter(hit).traverse(where), hit, dialect))
        .subquery("hits")
    )
    own = [hits.c.id, hits.c.valid_from, hits.c.importance, hits.c.speaker]
    rest = [hits.c[f"whole_{c.key}"] for c in memories.c] if whole else []
    return _with_places(hits, own, len(places), dialect, rest)


def _places(where, hit, window: int) -> list:
    """The pk of the admitted non-summary row at each place before and after `hit` in its
    session (before 1, after 1, before 2, ...), each a correlated read."""
    m = memories.c

    def place(before: bool, distance: int):
        step = m.pk < hit.c.pk if before else m.pk > hit.c.pk
        return (
            select(m.pk)
            .where(where, m.user_id == hit.c.user_id, m.session_id == hit.c.session_id)
            .where(step, m.kind != "summary")
            .order_by(m.pk.desc() if before else m.pk)
            .limit(1)
            .offset(distance - 1)
            .scalar_subquery()
        )

    return [place(before, d) for d in range(1, window + 1) for before in (True, False)]


def _with_places(hits, columns: list, count: int, dialect: str, after: list = ()):
    """`columns` of `hits`, then the id and signals of the row at each of its `count`
    places (the columns place0, place1, ... of `hits`), then the columns `after`."""
    columns, joined = list(columns), hits
    for i in range(count):
        row = memories.alias(f"row{i}")
        joined = joined.outerjoin(row, row.c.pk == hits.c[f"place{i}"])
        # the id from the joined row, not another mention of the place: SQLite flattens
        # `hits` into this query, and each mention runs its correlated read again
        columns += [row.c.id, row.c.valid_from, row.c.importance, _speaker(dialect, row)]
    return select(*columns, *after).select_from(joined)
