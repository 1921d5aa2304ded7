"""Rows of the SQL tables <-> the record types of `agentmem.types`.

Every table has a column per field of its record type, named alike but for the scope (three
columns: user, agent and session id) and `metadata` (the column `meta`, since SQLAlchemy
reserves the name). One pair of functions maps every type; the field list of each is read
once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import cache, lru_cache
from operator import attrgetter
from typing import Any, TypeVar

from sqlalchemy import Table, select
from sqlalchemy.engine import Connection

from agentmem.types import Scope

T = TypeVar("T")
COLUMN = {"metadata": "meta"}  # field -> column, where they differ


@cache
def _fields(cls: type) -> tuple[tuple[str, ...], int, tuple[int, ...]]:
    """The fields of `cls` but the scope, the scope's place among all fields, and the
    places (without the scope) of the fields read as {} when NULL."""
    fields = [f for f in dataclasses.fields(cls) if f.init]  # in the order __init__ takes
    others = [f for f in fields if f.name != "scope"]
    place = next(i for i, f in enumerate(fields) if f.name == "scope")
    empty = tuple(i for i, f in enumerate(others) if f.default_factory is dict)
    return tuple(f.name for f in others), place, empty


@cache
def _columns_of(cls: type) -> Callable[[Any], tuple]:
    """Reads a row's columns of `cls` in field order, in one call (rows are read by the
    thousand on the write path: a Python loop over the columns costs half as much again)."""
    names = _fields(cls)[0]
    return attrgetter(*(COLUMN.get(n, n) for n in names), "user_id", "agent_id", "session_id")


def to_row(item: Any) -> dict[str, Any]:
    """The column values of a record (the scope spread over its three columns)."""
    row = {COLUMN.get(name, name): getattr(item, name) for name in _fields(type(item))[0]}
    row.update(item.scope.to_dict())
    return row


def from_row(cls: type[T], row: Any) -> T:
    """A record of type `cls` read from a row of its table."""
    _, place, empty = _fields(cls)
    *values, user_id, agent_id, session_id = _columns_of(cls)(row)
    for i in empty:
        values[i] = values[i] or {}
    values.insert(place, _scope(user_id, agent_id, session_id))
    return cls(*values)


@lru_cache(maxsize=4096)
def _scope(user_id: str, agent_id: str | None, session_id: str | None) -> Scope:
    """One `Scope` per stored triple: a read's rows mostly share their user and session,
    and a scope (frozen) is checked once rather than for every row."""
    return Scope(user_id=user_id, agent_id=agent_id, session_id=session_id)


def storable(key: str) -> bool:
    """An id that no row can have (PostgreSQL text cannot even hold a NUL) finds nothing."""
    return isinstance(key, str) and "\x00" not in key


def read_one(conn: Connection, table: Table, cls: type[T], key: str, user_id: str) -> T | None:
    """The row of `table` with id `key` if it is `user_id`'s, as a `cls`; else None."""
    if not storable(key):
        return None
    row = conn.execute(select(table).where(table.c.id == key, table.c.user_id == user_id)).first()
    return None if row is None else from_row(cls, row)
