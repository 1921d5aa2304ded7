"""Which memories of one user a read may see, as a filter that builds its own SQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Numeric,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    true,
)
from sqlalchemy.sql.elements import ColumnElement

from agentmem.checks import check_key
from agentmem.stores.schema import memories


@dataclass
class MemoryQuery:
    """Which memories of one user a read may see (the parts of a search's `filters`)."""

    user_id: str
    agent_id: str | None = None
    kinds: Sequence[str] | None = None
    statuses: Sequence[str] | None = ("active",)
    as_of: datetime | None = None
    session_id: str | None = None
    subject: str | None = None
    attribute: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    text_equals: str | None = None  # case-insensitive exact text (duplicate detection)
    text_in: Sequence[str] | None = None  # case-insensitive: any of these texts
    metadata: dict[str, Any] = field(default_factory=dict)
    # Rows whose value holds each of these words (`value_holds`), and rows whose metadata
    # sets the key `or_flagged`: what a new value of a slot can meet, read without the rest.
    value_words: Sequence[str] | None = None
    or_flagged: str | None = None
    # Of the rows `statuses` admits, only the active ones and those valid from after this
    # time: what a new value of a single-valued slot is decided against, when nothing later.
    active_or_valid_after: datetime | None = None

    def condition(self, dialect: str) -> ColumnElement[bool]:
        """The filter as SQL. Its values are named bind parameters, so a statement built
        for one query serves every query of the same `shape()` given `params()`."""
        m = memories.c
        parts: list[ColumnElement[bool]] = [m.user_id == _bind("user_id", self.user_id)]
        if self.agent_id is not None:  # an agent sees its own and the user's shared memories
            parts.append(or_(m.agent_id == _bind("agent_id", self.agent_id), m.agent_id.is_(None)))
        if self.as_of is not None:
            as_of = _bind("as_of", self.as_of, m.valid_from.type)
            parts += [
                m.valid_from <= as_of,
                m.recorded_at <= as_of,
                or_(m.valid_to.is_(None), m.valid_to > as_of),
            ]
        elif self.statuses:
            parts.append(m.status.in_(_binds("status", self.statuses)))
        if self.kinds:
            parts.append(m.kind.in_(_binds("kind", self.kinds)))
        for column in ("session_id", "subject", "attribute"):
            if getattr(self, column) is not None:
                parts.append(m[column] == _bind(column, getattr(self, column)))
        if self.created_after is not None:
            parts.append(
                m.created_at >= _bind("created_after", self.created_after, m.created_at.type)
            )
        if self.created_before is not None:
            parts.append(
                m.created_at < _bind("created_before", self.created_before, m.created_at.type)
            )
        if self.text_equals is not None:
            parts.append(func.lower(m.text) == func.lower(self.text_equals))
        if self.text_in is not None:
            texts = _padded(list(self.text_in))
            binds = [func.lower(_bind(f"text_{i}", t)) for i, t in enumerate(texts)]
            parts.append(func.lower(m.text).in_(binds))
        for key, value in self.metadata.items():  # the key goes into a JSON path: a name only
            parts.append(_json_equals(m.meta[check_key(key, "metadata filter")], value, dialect))
        if self.value_words:
            parts.append(self._value_condition(dialect))
        if self.active_or_valid_after is not None:
            after = _bind("valid_after", self.active_or_valid_after, m.valid_from.type)
            parts.append(or_(m.status == "active", m.valid_from > after))
        return and_(*parts)

    def _value_condition(self, dialect: str) -> ColumnElement[bool]:
        held = value_holds(memories.c.value, self._value_patterns(), dialect)
        if self.or_flagged is None:
            return held
        return or_(held, _has_key(check_key(self.or_flagged, "or_flagged"), dialect))

    def shape(self) -> tuple | None:
        """What a statement built on `condition()` depends on besides `params()`; None
        when the filter holds values that are not bound by name (text_equals, metadata)."""
        if self.text_equals is not None or self.metadata:
            return None
        named = ("agent_id", "as_of", "session_id", "subject", "attribute")
        return (
            *(getattr(self, k) is not None for k in named),
            len(_padded(list(self.statuses or ()))) if self.as_of is None else 0,
            len(_padded(list(self.kinds or ()))),
            self.created_after is not None,
            self.created_before is not None,
            None if self.text_in is None else len(_padded(list(self.text_in))),
            len(self._value_patterns()) if self.value_words else None,
            self.or_flagged if self.value_words else None,
            self.active_or_valid_after is not None,
        )

    def params(self) -> dict[str, Any]:
        """The values of the named bind parameters of `condition()`."""
        out: dict[str, Any] = {"user_id": self.user_id}
        for key in ("agent_id", "as_of", "session_id", "subject", "attribute"):
            out[key] = getattr(self, key)
        out.update(created_after=self.created_after, created_before=self.created_before)
        out["valid_after"] = self.active_or_valid_after
        for name, values in (("status", self.statuses), ("kind", self.kinds)):
            out.update((f"{name}_in_{i}", v) for i, v in enumerate(_padded(list(values or ()))))
        if self.text_in is not None:
            out.update((f"text_{i}", t) for i, t in enumerate(_padded(list(self.text_in))))
        if self.value_words:
            out.update((f"value_word_{i}", p) for i, p in enumerate(self._value_patterns()))
        return out

    def _value_patterns(self) -> list[str]:
        """LIKE patterns of `value_words`: a word with a character outside ASCII filters
        nothing (SQLite folds only ASCII case)."""
        return [_like_pattern(w) for w in self.value_words or () if w.isascii() and w]


def value_holds(column, patterns: Sequence[str], dialect: str) -> ColumnElement[bool]:
    """`column` matches each of `patterns` (`_like_pattern`), ASCII letters in either case:
    a superset of the rows whose text Python's `str.lower()` turns into text holding the
    words (the normal forms the caller compares in Python). Bound as value_word_<i>."""
    if not patterns:
        return true()
    if dialect == "postgresql":  # LIKE is case-sensitive there, ILIKE follows the locale
        column = func.translate(column, _UPPER, _UPPER.lower())
    return and_(
        *(column.like(_bind(f"value_word_{i}", p), escape="\\") for i, p in enumerate(patterns))
    )


_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _like_pattern(word: str) -> str:
    """Outside ASCII only the Kelvin sign lowers into ASCII ("k"): a k matches any one
    character."""
    escaped = word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return "%" + escaped.replace("k", "_") + "%"


def _has_key(key: str, dialect: str) -> ColumnElement[bool]:
    """The metadata sets `key` (to any value: a superset of the rows where it is true)."""
    if dialect == "postgresql":
        return memories.c.meta[key].is_not(None)
    return func.json_type(memories.c.meta, f'$."{key}"').is_not(None)


def _padded(texts: list[str]) -> list[str]:
    """`texts` grown to a power of two by repeating its last (the same set to IN): a batch
    of n texts then reuses a statement compiled for its size class, where each new n
    compiled one of its own (most of what a same-text lookup cost)."""
    if len(texts) < 2:
        return texts
    size = 1 << (len(texts) - 1).bit_length()
    return texts + [texts[-1]] * (size - len(texts))


def _binds(name: str, values: Sequence[str]) -> list:
    """One named parameter per value (`_padded`), not an expanding list: SQLAlchemy renders
    an expanding list into the statement's text at every execution (measured: about a
    tenth of a search's CPU), where named parameters keep one text per size class, which
    SQLite also prepares once. The rendered SQL is the same `IN (?, ...)` either way."""
    return [_bind(f"{name}_in_{i}", v) for i, v in enumerate(_padded(list(values)))]


def _bind(name: str, value: Any, type_=None):
    return bindparam(name, value, type_=type_)


def _json_equals(element, value: Any, dialect: str) -> ColumnElement[bool]:
    if dialect == "postgresql" and isinstance(value, bool | int | float):
        # Cast only values of the matching JSON type (CASE, since AND does not short-circuit
        # in SQL); bind numbers as NUMERIC: an int bound as INTEGER overflows above 2**31 - 1.
        kind, target = ("boolean", Boolean()) if isinstance(value, bool) else ("number", Numeric())
        typed = case(
            (func.json_typeof(element) == kind, cast(element.as_string(), target)), else_=null()
        )
        return typed == literal(value, target)
    if isinstance(value, bool):
        return element.as_boolean() == value
    if isinstance(value, int):
        return element.as_integer() == value
    if isinstance(value, float):
        return element.as_float() == value
    return element.as_string() == str(value)


__all__ = ["MemoryQuery"]
