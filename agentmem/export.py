"""JSONL export and import of text memory: lossless, history included, import idempotent.

One line per row: ``{"table": "memories", "row": {...}}``, preceded by a header line
``{"agentmem_export": 1, "tables": [...]}``. Every column of every exported table is
written (superseded versions, audit events, episodes, conflicts), so an export imported
into an empty home reproduces the same records, history and `as_of` reads. Importing the
same file twice adds nothing the second time: rows are matched by their ``id``.

The vector index is derived, so it is not exported; imported rows are marked dirty and
indexed from SQL after the import.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Table, select

from agentmem.errors import ValidationError
from agentmem.stores.schema import UTCDateTime, conflicts, episodes, memories, memory_events
from agentmem.types import Scope

FORMAT_VERSION = 1
# Order matters on import: memories before the events and conflicts that point at them.
TABLES: dict[str, Table] = {
    "memories": memories,
    "memory_events": memory_events,
    "episodes": episodes,
    "conflicts": conflicts,
}
_SKIP_COLUMNS = {"pk", "index_dirty"}  # database-local: the row key and the index flag


@dataclass
class ImportReport:
    """What one import did, per table."""

    added: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    indexed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"added": self.added, "skipped": self.skipped, "indexed": self.indexed}


def export_rows(memory: Any, scope: Scope | str | None = None) -> Iterator[dict[str, Any]]:
    """Every row of every exported table as ``{"table", "row"}``; one user's rows with a scope."""
    user_id = Scope.coerce(scope).user_id if scope is not None else None
    sql = memory.long_term.sql
    for name, table in TABLES.items():
        stmt = select(table).order_by(table.c.pk)
        if user_id is not None:
            stmt = stmt.where(table.c.user_id == user_id)
        with sql.begin() as conn:
            rows = conn.execute(stmt).mappings().all()
        for row in rows:
            yield {
                "table": name,
                "row": {k: _encode(v) for k, v in row.items() if k not in _SKIP_COLUMNS},
            }


def export_jsonl(memory: Any, out: str | Path | IO[str], scope: Scope | str | None = None) -> int:
    """Write the export to a path or an open text file; returns the number of rows."""
    if isinstance(out, str | Path):
        with open(out, "w", encoding="utf-8") as handle:
            return export_jsonl(memory, handle, scope)
    out.write(json.dumps({"agentmem_export": FORMAT_VERSION, "tables": list(TABLES)}) + "\n")
    n = 0
    for item in export_rows(memory, scope):
        out.write(json.dumps(item, ensure_ascii=False) + "\n")
        n += 1
    return n


def import_jsonl(
    memory: Any, source: str | Path | IO[str], *, progress: Callable[[int], None] | None = None
) -> ImportReport:
    """Read an export; rows whose id already exists are skipped. Then index the new rows."""
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise ValidationError(f"import file {str(path)!r} does not exist")
        with open(path, encoding="utf-8") as handle:
            return import_jsonl(memory, handle, progress=progress)
    report = ImportReport(added=dict.fromkeys(TABLES, 0), skipped=dict.fromkeys(TABLES, 0))
    batches: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    for item in _read(source):
        batches[item["table"]].append(item["row"])
    sql = memory.long_term.sql
    for name, table in TABLES.items():
        rows = [_decode(table, row) for row in batches[name]]
        with sql.begin() as conn:
            for chunk in _chunks(rows, 500):
                have = set(
                    conn.execute(
                        select(table.c.id).where(table.c.id.in_([r["id"] for r in chunk]))
                    ).scalars()
                )
                fresh = [r for r in chunk if r["id"] not in have]
                if name == "memories":
                    for r in fresh:
                        r["index_dirty"] = True
                if fresh:
                    conn.execute(table.insert(), fresh)
                report.added[name] += len(fresh)
                report.skipped[name] += len(chunk) - len(fresh)
                if progress:
                    progress(len(chunk))
    from agentmem.episodes import backfill

    backfill(memory.long_term)  # an export of an earlier version has no episode rows
    report.indexed = memory.long_term.repair()
    short_term = getattr(memory, "short_term", None)
    if short_term is not None:
        short_term.forget()  # working contexts are rebuilt from the imported episodes
    return report


def count_rows(source: str | Path) -> int:
    """Rows in an export file (for a progress bar)."""
    with open(source, encoding="utf-8") as handle:
        return max(0, sum(1 for line in handle if line.strip()) - 1)


def _read(handle: IO[str]) -> Iterator[dict[str, Any]]:
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
            or item.get("table") not in TABLES
            or not isinstance(item.get("row"), dict)
            or "id" not in item["row"]
        ):
            raise ValidationError(
                f"line {number} of the import is not a row of one of {list(TABLES)} with an id"
            )
        yield item
    if first:
        raise ValidationError("not an agentmem export: the file is empty")


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    return value


def _decode(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        if key not in table.c:
            raise ValidationError(
                f"table {table.name!r} has no column {key!r}; was the export "
                "written by a newer agentmem?"
            )
        if isinstance(table.c[key].type, UTCDateTime) and isinstance(value, str):
            value = datetime.fromisoformat(value)
        out[key] = value
    return out


def _chunks(rows: list[dict[str, Any]], size: int) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


__all__ = ["ImportReport", "count_rows", "export_jsonl", "export_rows", "import_jsonl"]
