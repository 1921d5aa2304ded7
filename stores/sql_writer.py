"""One writer at a time inside the process, handed over the moment a transaction ends.

SQLite has one writer per database. A connection that finds the write lock taken polls it
from SQLite's busy handler, sleeping 1, 2, 5, 10, 15, 20, 25, ... 100 ms between tries: a
caller behind a background writer's 3 ms transaction often slept 10-30 ms, and behind a
longer one for 50-100 ms past its end (`observe`'s p99 in the session benchmark). Threads of
one process therefore queue for a mutex before SQLite's lock instead: the waiter is woken
when the holder commits or rolls back. Other processes still meet at SQLite's lock, with
the busy timeout as before.

The mutex is taken by a transaction's first INSERT, UPDATE or DELETE (what takes SQLite's
write lock) and released when its connection goes back to the pool, after the commit or
rollback (SQLAlchemy's "commit" event comes before the commit itself), so reads never wait
for it. SQLite's lock stays the guarantee: a write the mutex does not see (DDL, a CTE that
writes) still meets it. Waiting is bounded by the busy timeout; past it the write fails as
SQLite's would.
"""

from __future__ import annotations

import threading
import weakref

from sqlalchemy import event
from sqlalchemy.engine import Engine

from agentmem.errors import StoreError

_HELD = "agentmem_write_mutex"  # key in the DBAPI connection's info: this connection holds it
_WRITES = ("insert", "update", "delete", "replace")
_MUTEXES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # engine -> its mutex


class WriteMutex:
    """The process's writer mutex for one SQLite engine."""

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._lock = threading.Lock()

    def acquire(self, info: dict) -> None:
        if info.get(_HELD):
            return
        if not self._lock.acquire(timeout=self.timeout_s):
            raise StoreError(
                f"database is locked: another thread of this process held the write lock "
                f"for over {self.timeout_s:g} s; raise the busy timeout or shorten that "
                "transaction"
            )
        info[_HELD] = True

    def release(self, info: dict) -> None:
        if info.pop(_HELD, False):
            self._lock.release()

    @property
    def held(self) -> bool:
        return self._lock.locked()


def install(engine: Engine, timeout_s: float) -> WriteMutex:
    """Put a `WriteMutex` in front of SQLite's write lock for this engine's connections."""
    mutex = _MUTEXES[engine] = WriteMutex(timeout_s)

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, _cursor, statement, _params, _context, _many) -> None:
        if statement.lstrip()[:7].lower().startswith(_WRITES):
            mutex.acquire(conn.info)

    # The pool resets a connection as it comes back, after the transaction has ended.
    @event.listens_for(engine, "reset")
    def _reset(_dbapi_conn, record, _state) -> None:
        mutex.release(record.info)

    @event.listens_for(engine, "close")
    def _close(_dbapi_conn, record) -> None:
        if record is not None:
            mutex.release(record.info)

    @event.listens_for(engine, "invalidate")
    def _invalidate(_dbapi_conn, record, _exc) -> None:
        if record is not None:
            mutex.release(record.info)

    return mutex


def mutex_of(engine: Engine) -> WriteMutex | None:
    """The engine's writer mutex (None: not a SQLite engine)."""
    return _MUTEXES.get(engine)


__all__ = ["WriteMutex", "install", "mutex_of"]
