"""Checks on an export file before any of it is imported: the same checks `add` and
`observe` run on their input (agentmem.checks), plus what a file can get wrong on its own
(a row of another user, an id given twice, a column this version does not know).

Every row is decoded and checked first; the caller writes only if the whole file passes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any, get_args

from sqlalchemy import JSON, Boolean, Float, Integer, String, Table

from agentmem.checks import (
    check_datetime,
    check_json,
    check_json_value,
    check_metadata,
    check_string,
    check_text,
    check_unicode,
)
from agentmem.errors import ValidationError
from agentmem.sensory import MAX_INPUT_CHARS
from agentmem.stores.schema import UTCDateTime
from agentmem.types import KINDS, ROLES, STATUSES, EventOp, Scope

FORMAT_VERSION = 1
CHOICES = {
    ("memories", "kind"): KINDS,
    ("memories", "status"): STATUSES,
    ("episodes", "role"): ROLES,
    ("conflicts", "status"): ("open", "resolved"),
    ("memory_events", "op"): get_args(EventOp),
}
Rows = dict[str, list[tuple[int, dict[str, Any]]]]


def read_rows(
    handle: IO[str], tables: dict[str, Table], max_text_chars: int, user_id: str | None
) -> Rows:
    """Every row of the file, decoded and checked, per table as (line number, row)."""
    out: Rows = {name: [] for name in tables}
    seen: dict[tuple[str, str], int] = {}
    for line, item in _items(handle, tables):
        name = item["table"]
        try:
            row = check_row(name, tables[name], item["row"], max_text_chars)
        except ValidationError as exc:
            raise ValidationError(f"line {line} ({name}): {exc}; nothing was imported") from None
        if user_id is not None and row["user_id"] != user_id:
            raise ValidationError(
                f"line {line}: the row belongs to user {row['user_id']!r}, not {user_id!r}; "
                f"nothing was imported. Import it as that user, or export only {user_id!r}"
            )
        first = seen.setdefault((name, row["id"]), line)
        if first != line:
            raise ValidationError(
                f"line {line}: {name} id {row['id']!r} appears again (first on line {first}); "
                "an export never repeats an id, so fix or drop the duplicate. Nothing was imported"
            )
        out[name].append((line, row))
    return out


def check_row(name: str, table: Table, row: dict[str, Any], max_text_chars: int) -> dict:
    """One row, decoded to column values, checked column by column."""
    unknown = sorted(set(row) - set(table.c.keys()))
    if unknown:
        raise ValidationError(
            f"table {name!r} has no column {unknown[0]!r}; was the export written by a "
            "newer agentmem?"
        )
    Scope(
        user_id=row.get("user_id"), agent_id=row.get("agent_id"), session_id=row.get("session_id")
    )
    out = {"id": check_string(row.get("id"), "id", table.c.id.type.length)}
    for key, value in row.items():
        if key != "id":
            out[key] = _column(name, table, key, value)
    if name == "memories":
        out["text"] = check_text(row.get("text"), max_text_chars)
        out["meta"] = check_metadata(row.get("meta"))
    elif name == "episodes":
        out["content"] = check_text(row.get("content"), MAX_INPUT_CHARS, "content")
        out["meta"] = check_metadata(row.get("meta"))
    return out


def _column(name: str, table: Table, key: str, value: Any) -> Any:
    column = table.c[key]
    kind = column.type
    label = key
    if value is None:
        if not column.nullable and key != "pk":
            raise ValidationError(f"{label} must not be null")
        return None
    choices = CHOICES.get((name, key))
    if choices is not None and value not in choices:
        raise ValidationError(f"{label} must be one of {list(choices)}, got {value!r:.40}")
    if isinstance(kind, UTCDateTime):
        return check_datetime(value, label)
    if isinstance(kind, JSON):
        return check_json(value, label)
    if isinstance(kind, Boolean):
        if not isinstance(value, bool):
            raise ValidationError(f"{label} must be true or false, got {value!r:.40}")
        return value
    if isinstance(kind, Integer | Float):
        number_ok = isinstance(value, int) or (isinstance(kind, Float) and isinstance(value, float))
        if isinstance(value, bool) or not number_ok:
            raise ValidationError(f"{label} must be a number, got {value!r:.40}")
        return check_json_value(value, label)
    if isinstance(kind, String):  # Text is a String without a length
        if not isinstance(value, str):
            raise ValidationError(f"{label} must be a string, got {type(value).__name__}")
        if kind.length is not None and len(value) > kind.length:
            raise ValidationError(f"{label} is over {kind.length} characters; shorten it")
        return check_unicode(value, label)
    return value


def _items(handle: IO[str], tables: dict[str, Table]) -> Iterator[tuple[int, dict[str, Any]]]:
    first = True
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValidationError(f"line {number} of the import is not JSON: {exc.msg}") from None
        if first:
            first = False
            if not isinstance(item, dict) or item.get("agentmem_export") != FORMAT_VERSION:
                raise ValidationError(
                    "not an agentmem export: the first line must be "
                    f'{{"agentmem_export": {FORMAT_VERSION}, ...}}'
                )
            continue
        if (
            not isinstance(item, dict)
            or item.get("table") not in tables
            or not isinstance(item.get("row"), dict)
            or "id" not in item["row"]
        ):
            raise ValidationError(
                f"line {number} of the import is not a row of one of {list(tables)} with an id"
            )
        yield number, item
    if first:
        raise ValidationError("not an agentmem export: the file is empty")


__all__ = ["FORMAT_VERSION", "check_row", "read_rows"]
