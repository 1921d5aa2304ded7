"""The SQLAlchemy engine of a database URL: pool sizes, SQLite's PRAGMAs and its writer."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

from agentmem.stores import sql_writer

SQLITE_POOL = 40


def make_engine(url: str, busy_timeout_ms: int, echo: bool) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False},
            # a connection per server thread (anyio's pool has 40): a smaller pool closes
            # and reopens connections, PRAGMAs included, on every burst of requests
            **_sqlite_pool(url),
        )
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout_ms))
        sql_writer.install(engine, busy_timeout_ms / 1000)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _sqlite_pool(url: str) -> dict[str, int]:
    """Pool sizes for a file database (an in-memory one has a connection per thread)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import QueuePool

    parsed = make_url(url)
    if issubclass(parsed.get_dialect().get_pool_class(parsed), QueuePool):
        return {"pool_size": SQLITE_POOL, "max_overflow": SQLITE_POOL}
    return {}


def _sqlite_pragmas(busy_timeout_ms: int):
    def on_connect(dbapi_conn, _record) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    return on_connect
