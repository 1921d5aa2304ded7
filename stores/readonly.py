"""Read-only SQL confined to one scope: `Memory.sql("SELECT ...", scope)`.

Two layers, on both backends. The parser layer (`sql_guard`) accepts one SELECT made only
of whitelisted syntax and functions, points each readable table at a view of the scope's
rows and generates the SQL that runs. The database layer does not trust it:

- the scope views are temporary views created inside the call's transaction (their rows:
  the user's, and with an agent only the agent's own and the user's shared ones) and
  rolled back with it; their names carry a random token;
- SQLite: an authorizer lets the statement read base tables only through those views,
  call only whitelisted functions, and do nothing but SELECT; a progress handler stops it
  at the time limit; SQLITE_LIMIT_LENGTH bounds every value it builds;
- PostgreSQL: a READ ONLY transaction, `statement_timeout` and `lock_timeout` (the server
  stops the statement), `client_connection_check_interval` (it stops when the client goes),
  a search_path of pg_catalog only for functions, and a role without privileges
  (`agentmem_sql_reader`) that may read the views and nothing else.

A result longer than `max_rows` rows or `max_result_bytes` bytes is refused, never cut short.
"""

from __future__ import annotations

import logging
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from agentmem.errors import QueryRefusedError, QueryTimeoutError
from agentmem.stores.schema import READABLE
from agentmem.types import Scope

log = logging.getLogger(__name__)

HIDDEN_COLUMNS = {"pk", "index_dirty"}
READER_ROLE = "agentmem_sql_reader"


@dataclass(frozen=True)
class Limits:
    """What one statement may take: wall time, rows and bytes of its result."""

    timeout_s: float = 5.0
    max_rows: int = 1000
    max_result_bytes: int = 10_000_000

    def __post_init__(self) -> None:
        for name in ("timeout_s", "max_rows", "max_result_bytes"):
            if not getattr(self, name) > 0:
                raise QueryRefusedError(f"sql.{name} must be > 0, got {getattr(self, name)!r}")


def run(engine: Engine, statement: str, scope: Scope, limits: Limits) -> list[dict]:
    """Run one checked SELECT over views of `scope`'s rows and return its rows."""
    from agentmem.stores import sql_guard  # the parser loads on first use, not at import

    token = secrets.token_hex(8)
    views = {name: f"{sql_guard.VIEW_PREFIX}{token}_{name}" for name in READABLE}
    sqlite = engine.dialect.name == "sqlite"
    confined = sql_guard.confine(statement, "sqlite" if sqlite else "postgres", views)
    runner = _run_sqlite if sqlite else _run_postgres
    with engine.connect() as conn:
        try:
            ddl = _view_ddl(conn, scope, views, confined.tables)
            rows = runner(conn, confined, ddl, limits)
        except DBAPIError as exc:
            raise _refusal(exc, views, limits) from None
        finally:
            _end(conn, postgres=not sqlite)
    return [_plain(row) for row in rows]


def _view_ddl(conn: Connection, scope: Scope, views: dict[str, str], used: Iterable[str]):
    """CREATE TEMP VIEW statements for the tables the statement reads; the scope is a
    literal rendered by the dialect, so nothing the statement does can change it."""
    ddl: dict[str, tuple[str, str]] = {}  # view -> (table, CREATE statement)
    for name in sorted(used):
        table = READABLE[name]
        where = [table.c.user_id == scope.user_id]
        if scope.agent_id is not None:  # the agent's own rows and the user's shared ones
            where.append(or_(table.c.agent_id == scope.agent_id, table.c.agent_id.is_(None)))
        body = select(*[c for c in table.columns if c.name not in HIDDEN_COLUMNS]).where(*where)
        compiled = body.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
        ddl[views[name]] = (name, f"CREATE TEMP VIEW {views[name]} AS {compiled}")
    return ddl


# --- SQLite -----------------------------------------------------------------------------
_SQLITE_FUNCTIONS = frozenset(
    """count sum avg min max total group_concat string_agg row_number rank dense_rank
    percent_rank cume_dist ntile lag lead first_value last_value nth_value lower upper length
    substr substring trim ltrim rtrim instr replace unicode hex char abs round sign coalesce ifnull
    nullif iif typeof date time datetime julianday strftime unixepoch current_timestamp
    current_date current_time json_extract -> ->> json_array_length json_type json_valid
    json_group_array json_group_object json_object json_array json like glob random
    octet_length""".split()
)


def _run_sqlite(conn: Connection, confined, ddl: dict, limits: Limits) -> list:
    raw = conn.connection.driver_connection
    conn.exec_driver_sql("BEGIN")  # the views live in this transaction and go with it
    for _, statement in ddl.values():
        conn.exec_driver_sql(statement)
    deadline = time.monotonic() + limits.timeout_s
    previous = raw.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, limits.max_result_bytes)
    raw.set_authorizer(_authorizer({view: table for view, (table, _) in ddl.items()}))
    raw.set_progress_handler(lambda: time.monotonic() > deadline, 1000)
    try:
        return _fetch(conn.exec_driver_sql(confined.sql), limits)
    finally:
        raw.set_progress_handler(None, 0)
        raw.set_authorizer(None)
        raw.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, previous)


def _authorizer(bases: dict[str, str]) -> Callable[..., int]:
    """Permit SELECT, reads of the scope views, reads of a base table from inside its own
    view, whitelisted functions; deny everything else (writes, PRAGMA and pragma tables,
    ATTACH, other tables, other functions)."""

    def check(action: int, arg1: str | None, arg2: str | None, db: str | None, source) -> int:
        if action in (sqlite3.SQLITE_SELECT, sqlite3.SQLITE_RECURSIVE):
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_READ:
            through_view = db == "main" and source in bases and bases[source] == arg1
            if (db == "temp" and arg1 in bases) or through_view:
                return sqlite3.SQLITE_OK
            if db is None:  # a WITH name or a subquery, whose reads are checked in turn
                return sqlite3.SQLITE_OK
            return sqlite3.SQLITE_DENY
        if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in _SQLITE_FUNCTIONS:
            return sqlite3.SQLITE_OK
        return sqlite3.SQLITE_DENY

    return check


# --- PostgreSQL -------------------------------------------------------------------------
def _run_postgres(conn: Connection, confined, ddl: dict, limits: Limits) -> list:
    reader = _reader_available(conn.engine)
    ms = max(1, int(limits.timeout_s * 1000))
    setup = [f"SET LOCAL statement_timeout = {ms}", f"SET LOCAL lock_timeout = {ms}"]
    if conn.dialect.server_version_info >= (14,):  # stop when the client has gone
        setup.append("SET LOCAL client_connection_check_interval = 1000")
    for view, (_, statement) in ddl.items():
        setup.append(statement)
        if reader:
            setup.append(f"GRANT SELECT ON {view} TO {READER_ROLE}")
    setup += [
        "SET LOCAL transaction_read_only = on",
        # functions resolve in pg_catalog only; string literals as the parser wrote them
        "SET LOCAL search_path = pg_catalog, pg_temp",
        "SET LOCAL standard_conforming_strings = on",
    ]
    if reader:
        setup.append(f"SET LOCAL ROLE {READER_ROLE}")
    # one round trip: without parameters the driver sends several statements at once
    conn.execution_options(no_parameters=True).exec_driver_sql("; ".join(setup))
    # a server-side cursor: one FETCH of max_rows + 1 rows, under the statement timeout
    streamed = conn.execution_options(yield_per=limits.max_rows + 1, no_parameters=True)
    return _fetch(streamed.exec_driver_sql(confined.sql), limits)


_READERS: dict[str, bool] = {}


def _reader_available(engine: Engine) -> bool:
    """Whether the connecting role can switch to the reader role, creating it (NOLOGIN, no
    privileges) if it may. Without it the statement still runs under the parser, the views
    and the read-only transaction; a warning says how an administrator adds the role."""
    key = engine.url.render_as_string(hide_password=True)
    if key not in _READERS:
        _READERS[key] = _ensure_reader(engine)
    return _READERS[key]


def _ensure_reader(engine: Engine) -> bool:
    member = f"SELECT pg_has_role(current_user, '{READER_ROLE}', 'MEMBER')"
    try:
        with engine.connect() as conn:
            exists = conn.exec_driver_sql(
                f"SELECT 1 FROM pg_roles WHERE rolname = '{READER_ROLE}'"
            ).first()
            if exists and conn.exec_driver_sql(member).scalar():
                return True
            if not exists:
                conn.exec_driver_sql(f"CREATE ROLE {READER_ROLE} NOLOGIN")
            conn.exec_driver_sql(f"GRANT {READER_ROLE} TO current_user")
            conn.commit()
            return True
    except DBAPIError as exc:
        log.warning(
            "read-only SQL runs without the %s role (%s); to add it, an administrator runs "
            "CREATE ROLE %s NOLOGIN; GRANT %s TO <this user>",
            READER_ROLE,
            str(exc.orig).splitlines()[0],
            READER_ROLE,
            READER_ROLE,
        )
        return False


# --- results and errors -----------------------------------------------------------------
def _fetch(result, limits: Limits) -> list[dict]:
    rows, size = [], 0
    for row in result.fetchmany(limits.max_rows + 1):
        rows.append(dict(row._mapping))
        size += sum(_size(v) for v in rows[-1].values())
        if size > limits.max_result_bytes:
            raise QueryRefusedError(_too_big(limits))
    result.close()
    if len(rows) > limits.max_rows:
        raise QueryRefusedError(
            f"the statement returns more than {limits.max_rows} rows; add a LIMIT or a "
            "narrower WHERE, or raise max_rows (the argument, or sql.max_rows in the config)"
        )
    return rows


def _size(value: Any) -> int:
    if isinstance(value, str | bytes):
        return len(value)
    return len(str(value)) if isinstance(value, dict | list) else 8


def _too_big(limits: Limits) -> str:
    return (
        f"the result is larger than sql.max_result_bytes = {limits.max_result_bytes}; select "
        "fewer or shorter columns, or raise sql.max_result_bytes in the config"
    )


def _refusal(exc: DBAPIError, views: dict[str, str], limits: Limits) -> QueryRefusedError:
    message = str(exc.orig).splitlines()[0][:300] if exc.orig else str(exc)
    for name, view in views.items():  # never show the internal view names
        message = message.replace(view, name)
    code = getattr(exc.orig, "sqlstate", None)
    if code in ("57014", "55P03") or message == "interrupted":
        return QueryTimeoutError(
            f"the statement ran longer than sql.timeout_s = {limits.timeout_s:g} s and was "
            "stopped; narrow it (WHERE, LIMIT) or raise sql.timeout_s in the config "
            "(AGENTMEM_SQL__TIMEOUT_S)"
        )
    if "string or blob too big" in message:
        return QueryRefusedError(_too_big(limits))
    if "not authorized" in message or "prohibited" in message or code == "42501":
        return QueryRefusedError(
            f"the statement reads or calls something outside the scope views ({message}); "
            f"readable tables: {sorted(READABLE)}"
        )
    return QueryRefusedError(f"the statement failed: {message}")


def _end(conn: Connection, *, postgres: bool) -> None:
    """Roll back (the views, the role and the settings go with the transaction) and, on
    PostgreSQL, release session advisory locks (agentmem itself takes only transaction
    ones), so nothing the statement took outlives the call; a connection that cannot be
    cleaned is not returned to the pool."""
    try:
        conn.rollback()
        if postgres:
            conn.exec_driver_sql("SELECT pg_advisory_unlock_all()")
            conn.rollback()
    except Exception:
        conn.invalidate()
        raise


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
