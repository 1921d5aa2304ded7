"""Background consolidation: observe queues the pass, a worker thread runs it, and the result
is the same as consolidating inline. Outcomes are asserted through a summariser that blocks
on events the test controls, never through timing."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from agentmem import Memory, Scope
from agentmem.adapters.embeddings import HashEmbedder
from agentmem.consolidation import ExtractiveSummarizer
from agentmem.short_term import ShortTermMemory, word_counter

WAIT = 30  # seconds; only reached when something is broken
MAX_TOKENS = 60
FACTS = [
    "My name is Dana and I live in Porto.",
    "I work at Farfetch as a designer.",
    "I have a dog named Biscuit.",
    "My sister's name is Zoe.",
]


def _turns(n: int, topic: str = "the garden") -> list[tuple[str, str]]:
    out = []
    for i in range(n):
        text = (
            FACTS[i // 6]
            if i % 6 == 0 and i // 6 < len(FACTS)
            else f"Filler turn number {i} about the weather and {topic}."
        )
        out.append(("user" if i % 2 == 0 else "assistant", text))
    return out


class Gated(ExtractiveSummarizer):
    """The extractive summariser, held at the start of each pass until `release` is set;
    raises while `fail` is set."""

    def __init__(self) -> None:
        super().__init__(HashEmbedder(), word_counter)
        self.started, self.release, self.fail = threading.Event(), threading.Event(), False
        self.calls = 0

    def _summarize(self, previous, turns, max_tokens):
        self.calls += 1
        self.started.set()
        assert self.release.wait(WAIT), "the test never released the summariser"
        if self.fail:
            raise RuntimeError("summariser bug")
        return super()._summarize(previous, turns, max_tokens)


def _memory(home, *, background: bool = True, max_backlog: float = 16.0, **kwargs) -> Memory:
    return Memory(
        home=home,
        embedding={"model": "hash"},
        token_counter=word_counter,
        short_term={"max_tokens": MAX_TOKENS, "context_tokens": 256},
        consolidation={"summary_tokens": 40, "background": background, "max_backlog": max_backlog},
        **kwargs,
    )


def _observe_until_scheduled(mem: Memory, scope: Scope, topic: str = "the garden") -> None:
    """Observe turns until one queues a background pass."""
    for role, text in _turns(40, topic=topic):
        if mem.observe(role, text, scope).consolidation_scheduled:
            return
    raise AssertionError("40 turns queued no consolidation pass")


def _state(mem: Memory, scope: Scope) -> dict:
    working = mem.short_term.get(scope)
    rows = mem.sql("SELECT content, consolidated FROM episodes ORDER BY seq", scope)
    return {
        "summary": working.summary_text,
        "turns": working.messages(),
        "tokens": working.tokens,
        "episodes": [(r["content"], r["consolidated"]) for r in rows],
        "facts": sorted((f.attribute, f.value) for f in mem.facts(scope)),
    }


def test_background_result_equals_inline(tmp_path):
    scope = Scope(user_id="dana", session_id="s1")
    states = []
    for background in (False, True):
        with _memory(tmp_path / str(background), background=background) as mem:
            observations = []
            for role, text in _turns(40):
                observations.append(mem.observe(role, text, scope))
                assert mem.flush(timeout=WAIT)
            states.append(_state(mem, scope))
            if background:
                assert not any(o.consolidated for o in observations)
                assert sum(o.consolidation_scheduled for o in observations) >= 3
            else:
                assert sum(o.consolidated for o in observations) >= 3
                assert not any(o.consolidation_scheduled for o in observations)
    inline, background = states
    assert background == inline
    assert inline["summary"] and inline["tokens"] <= MAX_TOKENS
    assert ("lives_in", "Porto") in inline["facts"]


def test_unflushed_background_run_ends_consistent(home):
    """Turns observed while a pass runs join later passes; after flush nothing is pending,
    every episode is either consolidated or in the working context, never both."""
    scope = Scope(user_id="dana", session_id="s1")
    with _memory(home) as mem:
        for role, text in _turns(120):
            mem.observe(role, text, scope)
        assert mem.flush(timeout=WAIT)
        state = _state(mem, scope)
        assert state["tokens"] <= MAX_TOKENS and state["summary"]
        assert len(state["episodes"]) == 120
        pending = [c for c, done in state["episodes"] if not done]
        assert [t["content"] for t in state["turns"]] == pending
        assert mem.consolidation_runner.passes >= 1
        assert {("lives_in", "Porto"), ("works_at", "Farfetch")} <= set(state["facts"])


def test_observe_returns_while_the_pass_waits(home):
    gate = Gated()
    scope = Scope(user_id="dana", session_id="s1")
    with _memory(home, summarizer=gate) as mem:
        observed = 0
        for role, text in _turns(40):
            obs = mem.observe(role, text, scope)
            observed += 1
            if obs.consolidation_scheduled:
                break
        assert obs.consolidation_scheduled and not obs.consolidated
        assert gate.started.wait(WAIT)
        # the pass is held inside the summariser: observe and context go on around it
        more = [
            mem.observe("user", f"Another turn {i} while the pass waits.", scope) for i in range(10)
        ]
        assert all(o.consolidation_scheduled for o in more)
        assert mem.short_term.get(scope).tokens > MAX_TOKENS  # over budget for a while
        assert mem.consolidation_runner.worker.busy(scope)
        ctx = mem.context("Where do I live?", scope, max_tokens=128)
        assert ctx.tokens <= 128
        assert ctx.messages[-1]["content"] == "Another turn 9 while the pass waits."
        assert "Porto" in ctx.messages[0]["content"]  # the fact was read at observe
        assert not mem.flush(timeout=0.05)
        assert (
            mem.sql("SELECT count(*) AS n FROM episodes WHERE consolidated = 1", scope)[0]["n"] == 0
        )
        gate.release.set()
        assert mem.flush(timeout=WAIT)
        working = mem.short_term.get(scope)
        assert working.summary is not None and working.tokens <= MAX_TOKENS
        assert [m["content"] for m in working.messages()][
            -1
        ] == "Another turn 9 while the pass waits."
        # one queued pass per scope: the turns observed meanwhile did not queue more
        assert gate.calls <= 2
        assert len(mem.sql("SELECT id FROM episodes", scope)) == observed + 10


def test_explicit_consolidate_waits_for_the_running_pass(home):
    gate = Gated()
    scope = Scope(user_id="dana", session_id="s1")
    with _memory(home, summarizer=gate) as mem:
        _observe_until_scheduled(mem, scope)
        assert gate.started.wait(WAIT)
        result = {}
        caller = threading.Thread(target=lambda: result.update(r=mem.consolidate(scope)))
        caller.start()
        caller.join(0.2)
        assert caller.is_alive()  # held behind the background pass, not beside it
        gate.release.set()
        caller.join(WAIT)
        assert result["r"].episodes > 0
        assert mem.flush(timeout=WAIT)
        assert mem.short_term.get(scope).turns == type(mem.short_term.get(scope).turns)()
        rows = mem.sql("SELECT count(*) AS n FROM episodes WHERE consolidated = 0", scope)
        assert rows[0]["n"] == 0


def test_close_drains_the_queued_passes(home):
    gate = Gated()
    first, second = Scope(user_id="dana", session_id="s1"), Scope(user_id="dana", session_id="s2")
    mem = _memory(home, summarizer=gate)
    for scope in (first, second):  # different turns: identical summaries would be merged
        _observe_until_scheduled(mem, scope, topic=scope.session_id)
    assert gate.started.wait(WAIT)
    closer = threading.Thread(target=mem.close)
    closer.start()
    closer.join(0.2)
    assert closer.is_alive()  # close waits for the running pass and the queued one
    gate.release.set()
    closer.join(WAIT)
    assert not closer.is_alive()
    with _memory(home) as reopened:
        for scope in (first, second):
            working = reopened.short_term.get(scope)
            assert working.summary is not None and working.tokens <= MAX_TOKENS
            done = reopened.sql("SELECT consolidated FROM episodes", scope)
            assert any(r["consolidated"] for r in done)


def test_observe_waits_when_the_worker_falls_far_behind(home):
    gate = Gated()
    scope = Scope(user_id="dana", session_id="s1")
    with _memory(home, summarizer=gate, max_backlog=2.0) as mem:
        _observe_until_scheduled(mem, scope)
        assert gate.started.wait(WAIT)
        results = []

        def feed():
            for i in range(20):
                results.append(mem.observe("user", f"Backlog turn {i} about the sea.", scope))

        feeder = threading.Thread(target=feed)
        feeder.start()
        feeder.join(0.3)
        assert feeder.is_alive() and len(results) < 20  # held at twice the budget
        assert mem.short_term.get(scope).tokens > 2 * MAX_TOKENS
        gate.release.set()
        feeder.join(WAIT)
        assert len(results) == 20 and not any(o.consolidated for o in results)
        assert mem.flush(timeout=WAIT)
        assert mem.short_term.get(scope).tokens <= MAX_TOKENS


def test_a_failing_pass_is_logged_and_retried(home, caplog):
    gate = Gated()
    gate.fail = True
    gate.release.set()
    scope = Scope(user_id="dana", session_id="s1")
    with _memory(home, summarizer=gate) as mem:
        with caplog.at_level(logging.ERROR, logger="agentmem.consolidation_worker"):
            _observe_until_scheduled(mem, scope)
            assert mem.flush(timeout=WAIT)
        assert "background consolidation" in caplog.text and "summariser bug" in caplog.text
        worker = mem.consolidation_runner.worker
        assert worker.failures == 1 and isinstance(worker.last_error, RuntimeError)
        assert (
            mem.sql("SELECT count(*) AS n FROM episodes WHERE consolidated = 1", scope)[0]["n"] == 0
        )
        assert mem.short_term.get(scope).tokens > MAX_TOKENS  # the turns are all still there
        gate.fail = False
        obs = mem.observe("user", "One more turn after the fix.", scope)
        assert obs.consolidation_scheduled  # still over budget: the next trigger retries
        assert mem.flush(timeout=WAIT)
        assert worker.failures == 1
        working = mem.short_term.get(scope)
        assert working.summary is not None and working.tokens <= MAX_TOKENS
        assert (
            mem.sql("SELECT count(*) AS n FROM episodes WHERE consolidated = 1", scope)[0]["n"] > 0
        )


def test_a_restart_with_a_pass_unfinished_loses_nothing(home):
    """If the process stops while a pass runs, a new process rebuilds the working context
    from SQL with every turn the pass had not finished."""
    gate = Gated()
    scope = Scope(user_id="dana", session_id="s1")
    with _memory(home, summarizer=gate) as mem:
        turns = _turns(40)
        for role, text in turns:
            mem.observe(role, text, scope)
        assert gate.started.wait(WAIT)
        before = mem.short_term.snapshot(scope)
        restarted = ShortTermMemory(mem.long_term, word_counter, max_tokens=MAX_TOKENS)
        assert restarted.get(scope).messages() == before.messages()
        assert [m["content"] for m in before.messages()] == [t for _, t in turns]
        gate.release.set()


def test_purge_waits_for_a_running_pass(home):
    gate = Gated()
    scope = Scope(user_id="dana", session_id="s1")
    with _memory(home, summarizer=gate) as mem:
        _observe_until_scheduled(mem, scope)
        assert gate.started.wait(WAIT)
        purger = threading.Thread(target=mem.purge, args=(scope,))
        purger.start()
        purger.join(0.2)
        assert purger.is_alive()
        gate.release.set()
        purger.join(WAIT)
        assert mem.flush(timeout=WAIT)
        assert mem.sql("SELECT count(*) AS n FROM memories", scope)[0]["n"] == 0
        assert mem.short_term.get(scope).summary is None


@pytest.mark.parametrize("background", [True, False])
def test_config_switch(home, background):
    with _memory(home, background=background) as mem:
        assert (mem.consolidation_runner.worker is not None) is background
        assert mem.config.consolidation.background is background


class OnePassAtATime(ExtractiveSummarizer):
    """The extractive summariser; each chunk summary (one per pass) waits for a permit."""

    def __init__(self) -> None:
        super().__init__(HashEmbedder(), word_counter)
        self.permits, self.started, self.passes = threading.Semaphore(0), threading.Event(), 0

    def summarize(self, previous, turns, max_tokens):
        turns = list(turns)
        if turns and turns[0][0] != "summary":  # a pass's chunk, not the session summary
            self.started.set()
            assert self.permits.acquire(timeout=WAIT), "the test never released a pass"
            self.passes += 1
        return super().summarize(previous, turns, max_tokens)


def _until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.01)


def test_a_held_observe_goes_on_after_one_pass_of_a_backlog(home):
    """Far behind, the worker works off the backlog a part at a time, and `observe` waits
    only until the context is back under the bound, not for the whole backlog."""
    gate = OnePassAtATime()
    scope = Scope(user_id="dana", session_id="s1")
    with _memory(home, summarizer=gate, max_backlog=3.0) as mem:
        runner = mem.consolidation_runner
        _observe_until_scheduled(mem, scope)
        assert gate.started.wait(WAIT)
        results: list = []

        def feed():
            for i in range(40):
                results.append(
                    mem.observe("user", f"Turn {i}: the tide turned at the pier.", scope)
                )

        feeder = threading.Thread(target=feed)
        feeder.start()
        _until(
            lambda: mem.short_term.get(scope).tokens > runner.backlog_tokens, "the backlog bound"
        )
        held = len(results)
        gate.permits.release()  # exactly one pass
        _until(lambda: len(results) > held, "observe resumed after one pass")
        assert gate.passes == 1
        gate.permits.release(1000)
        feeder.join(WAIT)
        assert len(results) == 40 and mem.flush(timeout=WAIT)
        assert mem.short_term.get(scope).tokens <= MAX_TOKENS
        rows = mem.sql("SELECT count(*) AS n FROM episodes WHERE consolidated = 0", scope)
        assert rows[0]["n"] == len(mem.short_term.get(scope).turns)
