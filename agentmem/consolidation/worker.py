"""Consolidates sessions' overflow on a background thread, off the `observe` path.

A consolidation pass costs hundreds of milliseconds (the summariser embeds new sentences,
the new summary is embedded for the index, SQL commits), and seconds with a model-backed
summariser. `Memory.observe` only logs the turn and appends it to the working context; when
the context is over its budget, `ConsolidationRunner.appended` queues a pass for the
worker (or, with `consolidation.background` off, runs it at once).

- Coalescing: a scope is queued at most once. Turns observed while its pass is queued
  join that pass; a scope scheduled while its pass runs is queued once more, and that
  second pass does nothing unless the context is still over budget.
- Crashes: nothing is lost. Episodes are logged before they reach the working context,
  and the context is rebuilt from the unconsolidated episodes on the next open.
- Failures: the exception is logged and counted; the episodes stay in the working
  context, so the next `observe` over budget schedules the pass again.
- Backlog: while a pass is queued the context may exceed its budget (`context()` still
  packs to `max_tokens`); past `consolidation.max_backlog` times the budget, `observe`
  waits, so a worker that cannot keep up never lets it grow without bound. A background
  pass takes at most a quarter of that bound (at least one budget) and queues the next
  while the context is still over budget, so that wait ends with the first pass that
  brings the context back under the bound: one pass over a whole backlog (16 budgets,
  spaCy parsing every turn) held `observe` for 5-16 s on a loaded machine. Passes of one
  budget cut that to 3 s but, each with its own summary, cost so much more in all that
  the waits came 5x as often (10,000 turns, load average 14: p99 94 -> 518 ms).
- Deferral: a pass waits while `observe` calls arrive back to back, and between its steps
  too (`FOREGROUND.wait_quiet`): it runs in the first pause of `consolidation.idle_gap_s`
  with no call in flight, or when it is due -- a caller waits for it (`flush`, `close`,
  `consolidate`, `purge`, or an `observe` held at the backlog bound). A pass running
  beside calls that come back to back slows each of them (its parsing and summarising
  hold the interpreter between their SQL statements), and in the session benchmark that
  set `observe`'s p95. Deferred, the work runs in an agent's pauses (a model's reply, a
  user typing); a loop with no pause meets it at the bound, one `observe` waiting for one
  pass instead of hundreds each slowed by it. The bound keeps the context, and what
  `flush` has left to do, at most `max_backlog` budgets.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from agentmem.config import ConsolidationConfig
from agentmem.long_term.foreground import FOREGROUND
from agentmem.types import ConsolidationReport, Scope

if TYPE_CHECKING:
    from agentmem.consolidation import Consolidator
    from agentmem.short_term import ShortTermMemory

log = logging.getLogger(__name__)


class ConsolidationWorker:
    """One daemon thread running `job(scope)` for each scheduled scope, oldest first."""

    def __init__(
        self, job: Callable[[Scope], object], name: str = "agentmem-consolidation"
    ) -> None:
        self._job, self._name = job, name
        self._queued: OrderedDict[Scope, None] = OrderedDict()
        self._running: Scope | None = None
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False
        self.completed = 0  # passes that ran to the end (including those with nothing to do)
        self.failures = 0
        self.last_error: BaseException | None = None

    def schedule(self, scope: Scope) -> bool:
        """Queue a pass for `scope` unless one is queued already; False once closed."""
        with self._cond:
            if self._closed:
                return False
            if scope not in self._queued:
                self._queued[scope] = None
                if self._thread is None:  # started on first use: most Memory objects never need it
                    self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                    self._thread.start()
                self._cond.notify_all()
            return True

    def wait(
        self,
        scope: Scope,
        timeout: float | None = None,
        until: Callable[[], bool] | None = None,
    ) -> bool:
        """Wait until no pass for `scope` is queued or running, or until `until()` holds
        (checked as each pass ends); False on timeout."""
        if self._thread is threading.current_thread():
            return False
        with self._cond:
            return self._cond.wait_for(
                lambda: (
                    (scope not in self._queued and self._running != scope)
                    or (until is not None and until())
                ),
                timeout,
            )

    def busy(self, scope: Scope | None = None) -> bool:
        """Whether a pass (for `scope`, or any) is queued or running."""
        with self._cond:
            if scope is None:
                return bool(self._queued) or self._running is not None
            return scope in self._queued or self._running == scope

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every pass scheduled so far has finished; False on timeout."""
        if self._thread is threading.current_thread():
            return False  # a pass waiting for itself would never return
        with self._cond:
            return self._cond.wait_for(lambda: not self._queued and self._running is None, timeout)

    def close(self, timeout: float | None = None) -> bool:
        """Run what is queued, then stop the thread. False if it did not stop in time (its
        episodes then stay unconsolidated in SQL, and the next open picks them up)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            thread = self._thread
        if thread is None or thread is threading.current_thread():
            return True
        thread.join(timeout)
        if thread.is_alive():
            log.warning(
                "background consolidation still running after %ss; its episodes stay "
                "in the working context and are consolidated after the next open",
                timeout,
            )
            return False
        return True

    def _run(self) -> None:
        FOREGROUND.enlist()  # not a lowered priority: see agentmem.long_term.foreground
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._queued or self._closed)
                if not self._queued:
                    return
                scope, _ = self._queued.popitem(last=False)
                self._running = scope
            try:
                FOREGROUND.step_aside()
                self._job(scope)
                self.completed += 1
            except Exception as exc:  # the turns stay in the working context: retried later
                self.failures += 1
                self.last_error = exc
                log.exception(
                    "background consolidation of %s failed; its turns stay in the "
                    "working context and the pass is retried at the next trigger",
                    scope,
                )
            finally:
                with self._cond:
                    self._running = None
                    self._cond.notify_all()


class ConsolidationRunner:
    """Runs consolidation passes over sessions, inline or on a `ConsolidationWorker`.

    Passes run one at a time (`_lock`), so no two take the same episodes. A pass takes its
    overflow and gives the consolidated turns back under `layers_lock` (the lock `observe`
    holds); the slow middle (summary, embeddings, SQL) runs outside it, except fact
    resolution, which holds it so that no other writer plans the scope's facts in between.
    Lock order: `_lock` before `layers_lock`, never after.
    """

    def __init__(
        self,
        short_term: ShortTermMemory,
        consolidator: Consolidator,
        layers_lock: threading.RLock,
        settings: ConsolidationConfig,
    ) -> None:
        self.short_term, self.consolidator = short_term, consolidator
        self._layers_lock = layers_lock
        self._lock = threading.RLock()
        self.worker = ConsolidationWorker(self._overflow) if settings.background else None
        self.backlog_tokens = int(short_term.max_tokens * settings.max_backlog)
        self.idle_gap_s = settings.idle_gap_s
        self.passes = 0  # passes that consolidated at least one episode
        # Callers waiting for passes, for whom deferred passes run: flush, close, inline
        # passes and purge in `_waiters`; `observe` calls held at the backlog bound in
        # `_held` (a scope leaves it with the pass that brings it back under the bound, so
        # the next pass does not run for a caller that is no longer waiting).
        self._waiters = 0
        self._held: dict[Scope, int] = {}
        self._waiters_lock = threading.Lock()

    def appended(self, scope: Scope, tokens: int) -> tuple[ConsolidationReport | None, bool]:
        """After `observe` appended turns (the context now holds `tokens`): when over budget,
        queue a pass (background) or run it now. Returns the inline pass's report and whether
        a background pass is queued.

        A worker that falls behind (observe called in a tight loop, a slow summariser) must
        not let the context grow without bound: past `backlog_tokens`, observe waits for it.
        """
        if tokens <= self.short_term.max_tokens:
            return None, False
        if self.worker is None:
            return self.run(scope, everything=False, if_over_budget=True), False
        scheduled = self.worker.schedule(scope)
        if scheduled and tokens > self.backlog_tokens:
            with self._waiters_lock:
                self._held[scope] = self._held.get(scope, 0) + 1
            FOREGROUND.nudge()
            try:
                self.worker.wait(scope, until=lambda: self._tokens(scope) <= self.backlog_tokens)
            finally:
                with self._waiters_lock:
                    if self._held.get(scope, 0) > 1:
                        self._held[scope] -= 1
                    else:
                        self._held.pop(scope, None)
        return None, scheduled

    @contextmanager
    def _waiting(self) -> Iterator[None]:
        """A caller waits for passes inside this block: deferred ones run now."""
        with self._waiters_lock:
            self._waiters += 1
        FOREGROUND.nudge()
        try:
            yield
        finally:
            with self._waiters_lock:
                self._waiters -= 1

    def _defer(self) -> None:
        """On the worker, before a pass and between its steps: wait while calls arrive back
        to back, unless a caller waits for the passes (see Deferral)."""
        if self.idle_gap_s <= 0:  # no deferral: step aside for the calls in flight only
            FOREGROUND.step_aside()
        else:
            FOREGROUND.wait_quiet(
                self.idle_gap_s, due=lambda: self._waiters > 0 or bool(self._held)
            )

    def _tokens(self, scope: Scope) -> int:
        return self.short_term.get(scope).tokens

    def run(
        self,
        scope: Scope,
        *,
        everything: bool,
        if_over_budget: bool = False,
        limit: int | None = None,
    ) -> ConsolidationReport:
        """One pass over the session's overflow (or all its turns; with `limit`, at most
        that many tokens of it); waits for a running one."""
        with self._waiting():
            return self._pass(scope, everything, if_over_budget, limit)

    def _pass(
        self,
        scope: Scope,
        everything: bool,
        if_over_budget: bool,
        limit: int | None,
        pause: Callable[[], object] = FOREGROUND.step_aside,
    ) -> ConsolidationReport:
        with self._lock:
            with self._layers_lock:
                if if_over_budget and not self.short_term.over_budget(scope):
                    return ConsolidationReport()  # an earlier pass got there first
                episodes = self.short_term.overflow(scope, everything=everything, limit=limit)
                summary = self.short_term.get(scope).summary
            report, summary = self.consolidator.run(
                scope, episodes, summary, lock=self._layers_lock, pause=pause
            )
            with self._layers_lock:
                self.short_term.consolidated(scope, [e.id for e in episodes], summary)
                if self._tokens(scope) <= self.backlog_tokens:
                    with self._waiters_lock:
                        self._held.pop(scope, None)  # served: see `_held`
            self.passes += bool(episodes)
            return report

    @contextmanager
    def paused(self) -> Iterator[None]:
        """No pass runs inside this block (a purge must not race a pass writing a summary)."""
        with self._waiting(), self._lock:
            yield

    def flush(self, timeout: float | None = None) -> bool:
        """Wait for the queued and running background passes; False on timeout."""
        if self.worker is None:
            return True
        with self._waiting():
            return self.worker.flush(timeout)

    def close(self, timeout: float | None = None) -> bool:
        """Finish the queued passes and stop the worker."""
        if self.worker is None:
            return True
        with self._waiting():
            return self.worker.close(timeout)

    def _overflow(self, scope: Scope) -> ConsolidationReport:
        """A background pass over at most a quarter of the backlog bound of the oldest
        turns; the next is queued while the context is still over budget (see Backlog)."""
        limit = max(self.short_term.max_tokens, self.backlog_tokens // 4)
        self._defer()
        report = self._pass(scope, False, True, limit, pause=self._defer)
        if self.short_term.over_budget(scope) and self.worker is not None:
            self.worker.schedule(scope)
        return report


__all__ = ["ConsolidationRunner", "ConsolidationWorker"]
