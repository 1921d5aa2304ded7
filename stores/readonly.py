"""Read-only SQL confined to one user: `Memory.sql("SELECT ...", scope)`.

A statement is accepted only if it is a single SELECT (or WITH ... SELECT) over the
readable tables, without comments, quoted identifiers, schema prefixes or dangerous
functions. It then runs with each readable table replaced by a view of the caller's rows
(common table expressions that shadow the table names), inside a read-only transaction.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from agentmem.errors import QueryRefusedError
from agentmem.stores.schema import READABLE

MAX_ROWS = 1000
MAX_STATEMENT = 10_000
HIDDEN_COLUMNS = {"pk", "index_dirty"}

_FORBIDDEN_WORDS = {
    "insert",
    "update",
    "delete",
    "drop",
    "create",
    "alter",
    "attach",
    "detach",
    "pragma",
    "vacuum",
    "reindex",
    "analyze",
    "begin",
    "commit",
    "rollback",
    "savepoint",
    "release",
    "grant",
    "revoke",
    "truncate",
    "copy",
    "execute",
    "call",
    "lock",
    "load_extension",
    "readfile",
    "writefile",
    "fts3_tokenizer",
    "zeroblob",
    "pg_read_file",
    "pg_sleep",
    "lo_import",
    "lo_export",
    "dblink",
    "current_setting",
    "randomblob",
    "into",
    "returning",
    "notify",
    "listen",
    # PostgreSQL functions that run a query given as a string (it would see the real
    # tables, not the caller's views) or change session state
    "query_to_xml",
    "query_to_xml_and_xmlschema",
    "query_to_xmlschema",
    "cursor_to_xml",
    "cursor_to_xmlschema",
    "ts_stat",
    "ts_rewrite",
    "set_config",
    "xpath",
    "xpath_exists",
    "xmltable",
    "only",
    "tablesample",
}
_FORBIDDEN_PREFIXES = (
    "sqlite_",
    "pg_",
    "information_schema",
    "memories_fts",
    "table_to_",
    "schema_to_",
    "database_to_",
    "lo_",
    "dblink",
    "txid_",
    "set_",
    "currval",
    "nextval",
    "setval",
    "has_",
    "row_security",
)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_STRING = re.compile(r"'(?:[^']|'')*'")


def check(statement: str) -> str:
    """Return the statement without a trailing semicolon, or raise QueryRefusedError."""
    if not isinstance(statement, str) or not statement.strip():
        raise QueryRefusedError("the statement is empty; pass one SELECT statement")
    if len(statement) > MAX_STATEMENT:
        raise QueryRefusedError(
            f"the statement has {len(statement)} characters, over {MAX_STATEMENT}; shorten it"
        )
    if "\x00" in statement:
        raise QueryRefusedError("the statement contains a NUL byte")
    body = statement.strip()
    if body.endswith(";"):
        body = body[:-1].rstrip()
    code = _STRING.sub(" __str__ ", body)  # the checks below look at code, not at string contents
    if "'" in code:
        raise QueryRefusedError("unterminated string literal; close every '...'")
    if ";" in code:
        raise QueryRefusedError("only one statement is allowed; remove the ';' between statements")
    if "--" in code or "/*" in code or "*/" in code:
        raise QueryRefusedError("comments are not allowed in read-only SQL; remove them")
    if any(ch in code for ch in '"`[]'):
        raise QueryRefusedError(
            "quoted identifiers are not allowed; use plain table and "
            "column names and single quotes for strings"
        )
    words = [w.lower() for w in _WORD.findall(code)]
    if not words or words[0] not in ("select", "with"):
        raise QueryRefusedError(
            f"only SELECT statements are allowed, got {body[:40]!r}; "
            "writes go through the Memory API"
        )
    bad = sorted({w for w in words if w in _FORBIDDEN_WORDS})
    if bad:
        raise QueryRefusedError(f"{', '.join(bad).upper()} is not allowed in read-only SQL")
    if re.search(r"\b(main|temp|public)\s*\.", code, re.IGNORECASE):
        raise QueryRefusedError(
            f"schema-qualified names are not allowed; use {sorted(READABLE)} directly"
        )
    bad = sorted({w for w in words if w.startswith(_FORBIDDEN_PREFIXES)})
    if bad:
        raise QueryRefusedError(f"{bad[0]!r} is not readable; readable tables: {sorted(READABLE)}")
    return body


def run(
    engine: Engine,
    statement: str,
    user_id: str,
    existing_tables: set[str],
    *,
    max_rows: int = MAX_ROWS,
) -> list[dict]:
    """Run a checked statement against views of `user_id`'s rows. A result longer than
    `max_rows` is refused rather than cut short, so a caller never mistakes part for all."""
    if max_rows < 1:
        raise QueryRefusedError(f"max_rows must be at least 1, got {max_rows}")
    body = check(statement)
    words = {w.lower() for w in _WORD.findall(_STRING.sub(" __str__ ", body))}
    foreign = sorted((words & {t.lower() for t in existing_tables}) - set(READABLE))
    if foreign:
        raise QueryRefusedError(
            f"table {foreign[0]!r} is not readable; readable tables: {sorted(READABLE)}"
        )
    prefix = "main." if engine.dialect.name == "sqlite" else ""
    views = ", ".join(
        f"{name} AS (SELECT {_visible_columns(table)} "
        f"FROM {prefix}{name} WHERE user_id = :__scope_user)"
        for name, table in READABLE.items()
    )
    if body.lower().startswith("with"):
        rest = body[4:].lstrip()
        recursive = rest.lower().startswith("recursive")
        rest = rest[len("recursive") :].lstrip() if recursive else rest
        if recursive and not prefix:  # PostgreSQL would read each view as recursive
            sql = f"WITH {views} SELECT * FROM ({body}) AS caller_query"
        else:
            sql = f"WITH {'RECURSIVE ' if recursive else ''}{views}, {rest}"
    else:
        sql = f"WITH {views} {body}"
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA query_only = 1")
        else:
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
        try:
            result = conn.execute(text(sql), {"__scope_user": user_id})
            rows = [dict(r._mapping) for r in result.fetchmany(max_rows + 1)]
        except Exception as exc:
            raise QueryRefusedError(f"the statement failed: {_first_line(exc)}") from None
        finally:
            conn.rollback()
            if engine.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA query_only = 0")
    if len(rows) > max_rows:
        raise QueryRefusedError(
            f"the statement returns more than {max_rows} rows; add a LIMIT "
            "or a narrower WHERE, or raise max_rows"
        )
    return [_plain(row) for row in rows]


def _visible_columns(table) -> str:
    return ", ".join(c.name for c in table.columns if c.name not in HIDDEN_COLUMNS)


def _first_line(exc: Exception) -> str:
    message = str(getattr(exc, "orig", exc)) or type(exc).__name__
    return message.splitlines()[0][:300]


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
