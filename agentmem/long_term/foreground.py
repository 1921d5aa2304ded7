"""Background writers step aside while a caller's `observe` runs.

The index writer and the consolidation worker are Python threads: whatever they run holds
the interpreter lock (GIL) except inside calls that release it. `observe` releases the GIL
at every SQL statement and must take it back afterwards; with a background thread running
Python, each of those hand-backs waits up to the interpreter's switch interval (5 ms), and
behind a Chroma write or a spaCy parse, for all of it. A turn's five or six statements then
cost 10-30 ms of waiting for 2 ms of work.

So a process with background threads switches every `SWITCH_INTERVAL_S` (0.5 ms) unless
the application has set its own interval: at the default, `observe` p50 in the session
benchmark rose from 2 to 24 ms while consolidation passes ran. The background threads
lose a little throughput to the extra switches.

These threads used to run at a lowered OS priority instead. That starved them while they
held the GIL or SQLite's write lock on a busy machine, which made `observe` wait longer
(priority inversion). Now they run at normal priority and, between steps (an embedding
call, an index write, a transaction, a consolidation pass), wait while a foreground call is
in flight. The wait is bounded (`MAX_WAIT_S`) so that callers arriving back to back, from
many threads, cannot stop background work: the index writer must still drain, and a
consolidation backlog makes `observe` itself wait.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

MAX_WAIT_S = 0.05  # longest a background step waits for callers: a few observe calls
SWITCH_INTERVAL_S = 0.0005
_DEFAULT_SWITCH_INTERVAL_S = 0.005  # CPython's; another value was chosen by the application


class Foreground:
    """Counts callers in flight; background threads wait for none at their step boundaries."""

    def __init__(self) -> None:
        self._active = 0
        self._parked = 0  # background threads waiting in `step_aside`
        self._idle = threading.Condition(threading.Lock())
        self._local = threading.local()

    def enlist(self) -> None:
        """Make the current thread a background one: its `step_aside` calls wait (on any
        other thread they return at once, so a caller's own inline work never waits), and
        shorten the interpreter's switch interval (see the module's docstring)."""
        self._local.background = True
        if sys.getswitchinterval() == _DEFAULT_SWITCH_INTERVAL_S:
            sys.setswitchinterval(SWITCH_INTERVAL_S)

    @contextmanager
    def call(self) -> Iterator[None]:
        """Mark a caller's latency-sensitive section (it must not wait on background work)."""
        with self._idle:
            self._active += 1
        try:
            yield
        finally:
            with self._idle:
                self._active -= 1
                if not self._active:
                    self._idle.notify_all()

    def active(self) -> int:
        with self._idle:
            return self._active

    def parked(self) -> int:
        """Background threads waiting in `step_aside` now."""
        with self._idle:
            return self._parked

    def step_aside(self, timeout: float | None = None) -> bool:
        """Before a background step: wait until no caller is in flight (True), or `timeout`
        seconds (False). Never call it while holding a lock such a caller needs."""
        if not getattr(self._local, "background", False):
            return True
        with self._idle:
            self._parked += 1
            try:
                return self._idle.wait_for(lambda: not self._active, timeout or MAX_WAIT_S)
            finally:
                self._parked -= 1


# One per process: the interpreter lock it protects callers from is per process too.
FOREGROUND = Foreground()

__all__ = ["FOREGROUND", "MAX_WAIT_S", "SWITCH_INTERVAL_S", "Foreground"]
