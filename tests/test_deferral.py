"""Consolidation passes defer while `observe` calls arrive back to back: a pass does not
start while they keep coming, and starts when the session reaches its backlog bound (the
call that reaches it waits for the pass) or after a pause with no call. Asserted by the
order of events, never by timing: waits are bounded by WAIT only when something is broken."""

from __future__ import annotations

import threading
import time

from agentmem import Memory, Scope
from agentmem.adapters.embeddings import HashEmbedder
from agentmem.consolidation import ExtractiveSummarizer
from agentmem.long_term.foreground import FOREGROUND, Foreground
from agentmem.short_term import word_counter

WAIT = 30  # seconds; only reached when something is broken
MAX_TOKENS = 50
BACKLOG = 3.0
NEVER_QUIET = 3600.0  # an idle gap no test waits for: every call here is back to back


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _until(predicate, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not predicate():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.005)


def _background(fg: Foreground, gap: float, due, log: list) -> threading.Thread:
    def run() -> None:
        fg.enlist()
        log.append(("started", fg.wait_quiet(gap, due)))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_wait_quiet_holds_work_while_calls_come_back_to_back_and_frees_it_after_a_gap():
    clock = FakeClock()
    fg, log = Foreground(clock), []
    thread = _background(fg, 2.0, lambda: False, log)
    for _ in range(5):  # each call begins 1.5 s after the last one ended: back to back
        seen = fg.deferrals
        clock.now += 1.5
        with fg.call():
            clock.now += 0.1
        fg.nudge()
        _until(lambda seen=seen: fg.deferrals > seen, "the waiting thread looked again")
        assert log == []
    clock.now += 2.5  # a pause longer than the gap, no call in flight
    fg.nudge()
    thread.join(WAIT)
    assert log == [("started", True)]


def test_wait_quiet_frees_work_that_is_due_while_calls_continue():
    fg, log, due = Foreground(FakeClock()), [], threading.Event()
    thread = _background(fg, 2.0, due.is_set, log)
    with fg.call():
        _until(lambda: fg.deferrals > 0, "the thread deferred")
        assert log == []
        due.set()
        fg.nudge()
        thread.join(WAIT)  # a call is still in flight and none paused: due alone frees it
    assert log == [("started", False)]


def test_wait_quiet_returns_at_once_on_a_callers_thread():
    fg = Foreground(FakeClock())
    with fg.call():
        assert fg.wait_quiet(NEVER_QUIET, lambda: False) is True


class Recording(ExtractiveSummarizer):
    """The extractive summariser, noting in `log` when each pass reaches it."""

    def __init__(self, log: list) -> None:
        super().__init__(HashEmbedder(), word_counter)
        self.log = log
        self.reached = threading.Event()

    def _summarize(self, previous, turns, max_tokens):
        self.log.append("pass")
        self.reached.set()
        return super()._summarize(previous, turns, max_tokens)


def _memory(home, summarizer, gap: float) -> Memory:
    return Memory(
        home=home,
        embedding={"model": "hash"},
        token_counter=word_counter,
        summarizer=summarizer,
        short_term={"max_tokens": MAX_TOKENS, "context_tokens": 256},
        consolidation={"summary_tokens": 30, "max_backlog": BACKLOG, "idle_gap_s": gap},
    )


def _turn(i: int) -> tuple[str, str]:
    """Turns of a cooking chat, worded apart from the code under test."""
    dishes = ("risotto", "dal", "pierogi", "ceviche", "bibimbap", "tagine", "gnocchi")
    if i % 2:
        return "assistant", f"For the {dishes[i % 7]}, toast the spices first and taste often."
    return "user", f"Step {i}: I am simmering the {dishes[i % 7]} for my neighbours tonight."


def test_passes_wait_for_the_backlog_bound_while_calls_come_back_to_back(home):
    log: list = []
    summarizer = Recording(log)
    scope = Scope(user_id="ines", session_id="kitchen")
    bound = int(MAX_TOKENS * BACKLOG)
    with _memory(home, summarizer, NEVER_QUIET) as mem:
        i, seen = 0, getattr(FOREGROUND, "deferrals", 0)  # (none before deferral)
        while not mem.observe(*_turn(i), scope).consolidation_scheduled:
            i += 1
        # The worker has the pass and holds it (with the old code the pass starts here).
        _until(
            lambda: summarizer.reached.is_set() or getattr(FOREGROUND, "deferrals", 0) > seen,
            "a choice",
        )
        while "pass" not in log:
            assert mem.short_term.get(scope).tokens <= bound
            i += 1
            log.append(("observe", i))
            mem.observe(*_turn(i), scope)
        # Only the call that took the session past its bound met a pass, and it waited for
        # it: the session is back under the bound, and the next pass waits again.
        assert log.count("pass") == 1 and log[-2:] == [("observe", i), "pass"]
        assert mem.short_term.get(scope).tokens <= bound
        assert i > 2 and mem.short_term.over_budget(scope)
        assert mem.flush(timeout=WAIT)  # a flush runs the deferred rest at once
        assert mem.short_term.get(scope).tokens <= MAX_TOKENS
        rows = mem.sql("SELECT count(*) AS n FROM episodes", scope)
        assert rows[0]["n"] == i + 1  # every turn kept


def test_a_pass_starts_in_a_pause_between_calls(home):
    log: list = []
    summarizer = Recording(log)
    scope = Scope(user_id="ines", session_id="garden")
    with _memory(home, summarizer, 0.05) as mem:
        i = 0
        while not mem.observe(*_turn(i), scope).consolidation_scheduled:
            i += 1
        assert mem.short_term.get(scope).tokens <= MAX_TOKENS * BACKLOG
        assert summarizer.reached.wait(WAIT)  # no call and no flush: the pause started it
        _until(lambda: not mem.consolidation_runner.worker.busy(scope), "the pass ended")
        assert mem.short_term.get(scope).tokens <= MAX_TOKENS
