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

from agentmem import import_checks
from agentmem.errors import ValidationError
from agentmem.stores.schema import conflicts, episodes, memories, memory_events
from agentmem.types import Scope

FORMAT_VERSION = import_checks.FORMAT_VERSION
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
    memory: Any,
    source: str | Path | IO[str],
    scope: Scope | str | None = None,
    *,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Read an export into the scope's user (None: restore every user the file names).

    Every row is checked as `add` checks its input, and the whole file is refused, with the
    line and the fix, before anything is written if one row is bad, names another user than
    `scope`, repeats an id, or reuses an id another user holds. The rows are then written in
    one transaction under the users' write locks (the lock `add` takes); rows whose id the
    same user already holds are skipped, so importing twice adds nothing. New memories are
    indexed from SQL afterwards."""
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise ValidationError(f"import file {str(path)!r} does not exist")
        with open(path, encoding="utf-8") as handle:
            return import_jsonl(memory, handle, scope, progress=progress)
    user_id = Scope.coerce(scope).user_id if scope is not None else None
    batches = import_checks.read_rows(source, TABLES, memory.config.max_text_chars, user_id)
    report = ImportReport(added=dict.fromkeys(TABLES, 0), skipped=dict.fromkeys(TABLES, 0))
    sql = memory.long_term.sql
    with sql.begin() as conn:
        users = {row["user_id"] for rows in batches.values() for _, row in rows}
        for uid in sorted(users):
            sql.lock_user(conn, uid)
        for name, table in TABLES.items():
            for chunk in _chunks(batches[name], 500):
                fresh = _fresh_rows(conn, table, chunk)
                if name == "memories":
                    for r in fresh:
                        r["index_dirty"] = True
                if fresh:
                    conn.execute(table.insert(), fresh)
                report.added[name] += len(fresh)
                report.skipped[name] += len(chunk) - len(fresh)
                if progress:
                    progress(len(chunk))
    from agentmem.long_term.episodes import backfill

    backfill(memory.long_term)  # an export of an earlier version has no episode rows
    report.indexed = memory.long_term.repair()
    short_term = getattr(memory, "short_term", None)
    if short_term is not None:
        short_term.forget()  # working contexts are rebuilt from the imported episodes
    return report


def _fresh_rows(conn: Any, table: Table, chunk: list[tuple[int, dict[str, Any]]]) -> list[dict]:
    """The rows of `chunk` not stored yet; an id stored for another user refuses the file
    (the transaction is rolled back: nothing of the file is written)."""
    owners = dict(
        conn.execute(
            select(table.c.id, table.c.user_id).where(table.c.id.in_([r["id"] for _, r in chunk]))
        ).all()
    )
    for line, row in chunk:
        owner = owners.get(row["id"])
        if owner is not None and owner != row["user_id"]:
            raise ValidationError(
                f"line {line}: {table.name} id {row['id']!r} already belongs to another user; "
                "nothing was imported. Import into an empty home, or drop that row"
            )
    return [row for _, row in chunk if row["id"] not in owners]


def count_rows(source: str | Path) -> int:
    """Rows in an export file (for a progress bar)."""
    with open(source, encoding="utf-8") as handle:
        return max(0, sum(1 for line in handle if line.strip()) - 1)


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    return value


def _chunks(rows: list, size: int) -> Iterable[list]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


__all__ = ["ImportReport", "count_rows", "export_jsonl", "export_rows", "import_jsonl"]
