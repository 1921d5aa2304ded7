"""An add reads its scope's stored state (same texts, nearest notes) before it takes the lock
that plans and writes one add at a time. A write to the same user in between makes the
resolver read again, so the outcome is the one a read under the lock gives: a restatement
that landed meanwhile is met, never stored beside itself; writes to other users leave the
early read in use."""

from __future__ import annotations

import threading

import pytest

from agentmem import Memory
from agentmem.facts import lookups
from agentmem.long_term.write_stamps import WriteStamps


@pytest.fixture
def mem(tmp_path):
    config = {"embedding": {"model": "hash"}, "consolidation": {"extractor": "rules"}}
    with Memory(home=str(tmp_path / "home"), **config) as m:
        yield m


def test_stamp_holds_until_a_write_to_its_users_begins():
    stamps = WriteStamps()
    before = stamps.stamp(["ines", "otto"])
    with stamps.writing(["pavel"]):
        pass
    assert stamps.unchanged(before)
    with stamps.writing(["otto"]):
        assert not stamps.unchanged(before)
    assert not stamps.unchanged(before)


def test_stamp_taken_during_a_write_never_holds():
    stamps = WriteStamps()
    started, release = threading.Event(), threading.Event()

    def write() -> None:
        with stamps.writing(["ines"]):
            started.set()
            release.wait(5)

    writer = threading.Thread(target=write)
    writer.start()
    started.wait(5)
    during = stamps.stamp(["ines"])
    release.set()
    writer.join()
    assert not stamps.unchanged(during)
    assert stamps.unchanged(stamps.stamp(["ines"]))


def _with_write_between(monkeypatch, between) -> list[bool]:
    """Make the next add's early read, then run `between()` before it plans; returns
    whether each early read still held when its add planned."""
    original, held = lookups.read_ahead, []

    def read_then_write(candidates, long_term):
        ahead = original(candidates, long_term)
        monkeypatch.setattr(lookups, "read_ahead", original)
        between()
        held.append(ahead.still_holds(long_term))
        return ahead

    monkeypatch.setattr(lookups, "read_ahead", read_then_write)
    return held


def test_restatement_written_after_the_early_read_is_met(mem, monkeypatch):
    first = "We walked the whole Camino from Porto last spring"
    again = "We walked the whole Camino from Porto last spring!"
    held = _with_write_between(monkeypatch, lambda: mem.add(first, "maren"))
    record = mem.add(again, "maren")
    active = mem.list_memories("maren")
    assert held == [False]
    assert [r.text for r in active] == [first]
    assert record.id == active[0].id
    assert record.access_count == 1


def test_distinct_text_written_after_the_early_read_stays_its_own(mem, monkeypatch):
    first = "Our choir sings in the cathedral on Sundays"
    other = "Our choir sings in the cathedral on Fridays"
    _with_write_between(monkeypatch, lambda: mem.add(first, "maren"))
    mem.add(other, "maren")
    assert sorted(r.text for r in mem.list_memories("maren")) == sorted([first, other])


def test_write_to_another_user_leaves_the_early_read_in_use(mem, monkeypatch):
    mem.add("The allotment plot is number forty-two", "maren")
    held = _with_write_between(monkeypatch, lambda: mem.add("Tomatoes need staking", "ilse"))
    record = mem.add("The allotment plot is number forty-two", "maren")
    assert held == [True]
    assert len(mem.list_memories("maren")) == 1
    assert record.access_count == 1


def test_stamp_taken_while_two_writes_overlap_never_holds():
    stamps = WriteStamps()
    first, second = stamps.writing(["ines"]), stamps.writing(["ines"])
    first.__enter__()
    second.__enter__()
    during = stamps.stamp(["ines"])
    assert not stamps.unchanged(during)  # both may commit after a read made now
    first.__exit__(None, None, None)
    assert not stamps.unchanged(during)
    second.__exit__(None, None, None)
    assert not stamps.unchanged(during)
    assert stamps.unchanged(stamps.stamp(["ines"]))
