"""`observe` is not held up by background writers: the index writer steps aside while a
caller's `observe` is in flight, and a thread waiting for SQLite's write lock behind
another thread of the process is handed the lock when that transaction ends (it does not
poll SQLite's busy handler). Asserted by the order of events, never by timing."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from agentmem import Memory, Scope
from agentmem.errors import StoreError
from agentmem.long_term import foreground
from agentmem.long_term.foreground import FOREGROUND
from agentmem.stores import sql_writer
from agentmem.stores.sql import SQLStore
from agentmem.types import MemoryRecord

WAIT = 30  # seconds; only reached when something is broken


def test_index_writer_does_not_write_while_an_observe_is_in_flight(home, monkeypatch):
    monkeypatch.setattr(foreground, "MAX_WAIT_S", WAIT)  # the bound must not decide the order
    scope = Scope(user_id="ines", session_id="porch")
    with Memory(home=home, embedding={"model": "hash"}) as mem:
        mem.observe("user", "The boat needs new varnish before June.", scope)
        mem.long_term.indexer.flush()
        order: list[str] = []
        index = mem.long_term.indexer.index
        real_upsert, real_record = index.upsert, mem.sensory.record
        monkeypatch.setattr(
            index, "upsert", lambda *a: (order.append("index write"), real_upsert(*a))[1]
        )
        logged, release = threading.Event(), threading.Event()

        def held_record(*args, **kwargs):
            out = real_record(*args, **kwargs)  # the turn is logged and queued for indexing
            logged.set()
            assert release.wait(WAIT), "the test never released observe"
            order.append("observe done")
            return out

        monkeypatch.setattr(mem.sensory, "record", held_record)
        caller = threading.Thread(
            target=mem.observe, args=("user", "My neighbour Tove lends me her sander.", scope)
        )
        caller.start()
        assert logged.wait(WAIT)
        deadline = time.monotonic() + WAIT  # only reached when the writer never parks
        while not FOREGROUND.parked() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert FOREGROUND.parked(), "the index writer did not wait for the observe in flight"
        assert order == []  # queued work waits while the caller's observe runs
        release.set()
        caller.join(WAIT)
        mem.long_term.indexer.flush()
        assert order[0] == "observe done" and "index write" in order
        hits = mem.search("who lends me a sander", scope, mode="semantic", top_k=5)
        assert any("Tove" in h.record.text for h in hits)


def test_step_aside_returns_at_once_outside_background_threads():
    """A caller's own thread (inline consolidation, `Memory.consolidate`) never waits on
    the gate, even with other callers in flight."""
    with FOREGROUND.call():
        assert FOREGROUND.step_aside(timeout=WAIT) is True


def _row(text: str) -> MemoryRecord:
    return MemoryRecord(id=uuid.uuid4().hex, text=text, scope=Scope(user_id="ola"))


def _store(tmp_path, busy_ms: int = WAIT * 1000) -> SQLStore:
    return SQLStore(f"sqlite:///{tmp_path / 'writer.db'}", busy_timeout_ms=busy_ms)


def _hold_write(store: SQLStore, holding: threading.Event, finish: threading.Event, fail=False):
    def run() -> None:
        try:
            with store.begin() as conn:
                store.insert_memories(conn, [_row("held by the background writer")])
                holding.set()
                assert finish.wait(WAIT)
                if fail:
                    raise RuntimeError("the background transaction fails")
        except RuntimeError:
            pass

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.parametrize("fail", [False, True], ids=["commit", "rollback"])
def test_a_waiting_writer_is_handed_the_lock_when_the_holder_ends(tmp_path, fail):
    store = _store(tmp_path)
    mutex = sql_writer.mutex_of(store.engine)
    holding, finish, written = threading.Event(), threading.Event(), threading.Event()
    holder = _hold_write(store, holding, finish, fail)
    assert holding.wait(WAIT)
    assert mutex.held  # the process's writers queue here, in front of SQLite's lock

    def write() -> None:
        with store.begin() as conn:
            store.insert_memories(conn, [_row("the caller's turn")])
        written.set()

    caller = threading.Thread(target=write)
    caller.start()
    assert not written.is_set()
    finish.set()
    holder.join(WAIT)
    caller.join(WAIT)
    assert written.is_set() and not mutex.held
    with store.begin() as conn:
        assert store.count_memories(conn, "ola") == (1 if fail else 2)
    store.close()


def test_a_writer_held_past_the_busy_timeout_fails_with_the_fix(tmp_path):
    store = _store(tmp_path, busy_ms=200)
    holding, finish = threading.Event(), threading.Event()
    holder = _hold_write(store, holding, finish)
    assert holding.wait(WAIT)
    try:
        with pytest.raises(StoreError, match="busy timeout"):
            with store.begin() as conn:
                store.insert_memories(conn, [_row("too late")])
    finally:
        finish.set()
        holder.join(WAIT)
    with store.begin() as conn:  # released by the failed writer too
        store.insert_memories(conn, [_row("after the timeout")])
    store.close()


def test_background_threads_shorten_the_switch_interval_unless_the_application_chose_one(
    monkeypatch,
):
    import sys

    def enlisted_interval(start: float) -> float:
        sys.setswitchinterval(start)
        worker = threading.Thread(target=foreground.Foreground().enlist)
        worker.start()
        worker.join()
        return sys.getswitchinterval()

    before = sys.getswitchinterval()
    try:
        assert enlisted_interval(0.005) == pytest.approx(foreground.SWITCH_INTERVAL_S)
        assert enlisted_interval(0.002) == pytest.approx(0.002)
    finally:
        sys.setswitchinterval(before)
