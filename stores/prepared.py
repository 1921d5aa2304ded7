"""A read compiled once and run on the DBAPI cursor beneath a SQLAlchemy connection.

SQLAlchemy's execution of an already compiled statement still costs more Python than
SQLite spends on a search's reads: per execution it looks the compiled form up by cache
key, builds an execution context, processes parameters and wraps every row (measured
over a search's four reads on the raw `sqlite3` cursor: about half their time). A
`Prepared` read does that work once: the statement's SQL text, the order of its
parameters and each column's result processor are taken from one compilation; each run
binds the values in that order and hands the rows back as plain tuples, with the
processors for the caller to apply to the columns it uses (a time it will not use is
never parsed). The SQL, and so the rows, are those SQLAlchemy would run.

Used for SQLite, where the DBAPI is the standard `sqlite3` (which prepares each SQL text
once per connection); other dialects run the statement through SQLAlchemy (`Direct`),
with rows already processed.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Connection

Processor = Callable[[Any], Any] | None


class Prepared:
    """One select compiled for one dialect (no expanding or post-compile parameters)."""

    def __init__(self, stmt, dialect) -> None:
        compiled = stmt.compile(dialect=dialect)
        if compiled.positiontup is None or compiled.post_compile_params:
            raise ValueError("a Prepared read needs positional, fully compiled parameters")
        self.sql = compiled.string
        self._names = tuple(compiled.positiontup)
        # values fixed in the statement (limits); the caller binds every named one
        self._defaults = {n: b.effective_value for n, b in compiled.binds.items() if not b.required}
        self._binds = tuple(
            compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in self._names
        )
        columns = list(stmt.selected_columns)
        self.processors: tuple[Processor, ...] = tuple(
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns
        )
        self._used = tuple((i, p) for i, p in enumerate(self.processors) if p is not None)
        self._row_type = namedtuple("Row", [c.key for c in columns], rename=True)

    def raw(self, conn: Connection, params: dict[str, Any]) -> list[tuple]:
        """The rows as the DBAPI returns them (apply `processors` to the columns used)."""
        values = []
        for name, bind in zip(self._names, self._binds, strict=True):
            value = params[name] if name in params else self._defaults[name]
            values.append(value if bind is None else bind(value))
        cursor = conn.connection.driver_connection.cursor()
        try:
            cursor.execute(self.sql, values)
            return cursor.fetchall()
        finally:
            cursor.close()

    def all(self, conn: Connection, params: dict[str, Any]) -> list:
        """Every row processed, with its columns by name as well as by place."""
        make, used, rows = self._row_type._make, self._used, self.raw(conn, params)
        if not used:
            return [make(row) for row in rows]
        out = []
        for row in rows:
            row = list(row)
            for i, process in used:
                row[i] = process(row[i])
            out.append(make(row))
        return out


class Direct:
    """A statement run through SQLAlchemy: its rows come processed."""

    def __init__(self, stmt) -> None:
        self.stmt = stmt
        self.processors: tuple[Processor, ...] = (None,) * len(stmt.selected_columns)

    def raw(self, conn: Connection, params: dict[str, Any]) -> list:
        return conn.execute(self.stmt, params).all()

    all = raw


def prepare(stmt, dialect) -> Prepared | Direct:
    """The cheapest way this dialect can run `stmt` again and again."""
    if dialect.name == "sqlite" and dialect.driver == "pysqlite":
        return Prepared(stmt, dialect)
    return Direct(stmt)
