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

Stepping aside between steps still lets a step run between two calls that come back to
back (a replay, a benchmark loop, a busy server), and a step that holds the interpreter
(a parse, a Chroma write) delays the next call for all of it: in the session benchmark,
consolidation passes running beside `observe` were what set its p95. Work that can wait
therefore defers (`wait_quiet`): it starts, and goes on between its steps, only after
callers have left a gap with none in flight, or when it is due (a caller waits for it, or
the work reached the bound that keeps its backlog and memory bounded).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

MAX_WAIT_S = 0.05  # longest a background step waits for callers: a few observe calls
SWITCH_INTERVAL_S = 0.0005
_DEFAULT_SWITCH_INTERVAL_S = 0.005  # CPython's; another value was chosen by the application


class Foreground:
    """Counts callers in flight; background threads wait for none at their step boundaries."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._active = 0
        self._parked = 0  # background threads waiting in `step_aside` or `wait_quiet`
        self._idle = threading.Condition(threading.Lock())
        self._local = threading.local()
        self._clock = clock
        self._last_call = clock()  # when a caller last entered or left
        self.deferrals = 0  # times `wait_quiet` found callers too close and waited

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
            self._last_call = self._clock()
        try:
            yield
        finally:
            with self._idle:
                self._active -= 1
                self._last_call = self._clock()
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

    def wait_quiet(self, gap: float, due: Callable[[], bool]) -> bool:
        """Before deferrable work, or between its steps, on a background thread: wait while
        callers arrive back to back, until none is in flight and none came for `gap`
        seconds (True), or until `due()` holds (False). `due` is read under this object's
        lock: it must take no lock itself. Whoever makes it true calls `nudge`. Returns at
        once on other threads (a caller's own inline work never waits) and with `gap` 0."""
        if gap <= 0 or not getattr(self._local, "background", False):
            return True
        with self._idle:
            self._parked += 1
            try:
                while not due():
                    quiet = self._clock() - self._last_call
                    if not self._active and quiet >= gap:
                        return True
                    self.deferrals += 1
                    self._idle.wait(gap if self._active else gap - quiet)
                return False
            finally:
                self._parked -= 1

    def nudge(self) -> None:
        """Wake the threads in `wait_quiet` to look at their `due` again."""
        with self._idle:
            self._idle.notify_all()


# One per process: the interpreter lock it protects callers from is per process too.
FOREGROUND = Foreground()

__all__ = ["FOREGROUND", "MAX_WAIT_S", "SWITCH_INTERVAL_S", "Foreground"]
