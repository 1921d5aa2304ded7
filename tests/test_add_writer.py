"""Adds that queue while another is written are planned in arrival order and written in one
transaction. Outcomes are those of one add at a time: a restatement inside a group
reinforces the memory an earlier add of the group stored (the group is written before the
restatement is planned), distinct texts stay distinct, and an add that fails to plan fails
alone."""

from __future__ import annotations

import threading
import time

import pytest

from agentmem import Memory
from agentmem.facts import resolver


@pytest.fixture
def mem(tmp_path):
    config = {"embedding": {"model": "hash"}, "consolidation": {"extractor": "rules"}}
    with Memory(home=str(tmp_path / "home"), **config) as m:
        yield m


def _queued(mem: Memory) -> int:
    return len(mem._add_writer._calls._queue)


def _in_one_group(mem: Memory, adds: list[tuple[str, str]]) -> list:
    """Run `adds` on threads while the planning lock is held: the first waits for the lock
    as the writer, the others queue behind it and are then planned and written together
    (in an order of their own).
    Returns each add's record, or the exception it raised."""
    out: list = [None] * len(adds)

    def run(i: int) -> None:
        try:
            out[i] = mem.add(*adds[i])
        except Exception as exc:  # noqa: BLE001
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(adds))]
    with mem._layers_lock:
        threads[0].start()
        while not mem._add_writer._calls._busy:
            time.sleep(0.01)
        for t in threads[1:]:
            t.start()
        deadline = time.monotonic() + 30
        while _queued(mem) < len(adds) - 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _queued(mem) == len(adds) - 1
    for t in threads:
        t.join(60)
    return out


def test_group_of_users_stores_each_text_once(mem):
    adds = [
        ("The ferry to Inishmore leaves at nine", "tomas"),
        ("Harriet keeps bees behind the orchard wall", "harriet"),
        ("Harriet keeps bees behind the orchard wall", "harriet"),
        ("Our landlord raised the rent in March", "tomas"),
        ("harriet keeps bees behind the orchard wall", "harriet"),
        ("The kiln reaches cone six in about nine hours", "ana"),
    ]
    writes = []
    apply = mem.long_term.apply
    mem.long_term.apply = lambda plan: (writes.append(len(plan.inserts)), apply(plan))[1]
    results = _in_one_group(mem, adds)
    assert not [r for r in results if isinstance(r, Exception)]
    assert len(writes) < len(adds)  # some adds were written together
    harriet = mem.list_memories("harriet")
    # one memory, in the wording of whichever restatement queued first (threads 1-5 queue
    # in an order of their own)
    assert [r.text.lower() for r in harriet] == [adds[1][0].lower()]
    assert harriet[0].access_count == 2
    assert {results[i].id for i in (1, 2, 4)} == {harriet[0].id}
    assert sorted(r.text for r in mem.list_memories("tomas")) == sorted([adds[0][0], adds[3][0]])
    assert [r.text for r in mem.list_memories("ana")] == [adds[5][0]]
    for i in (0, 3, 5):
        assert mem.get(results[i].id, adds[i][1]).text == adds[i][0]


def test_add_that_fails_to_plan_fails_alone(mem, monkeypatch):
    original = resolver.resolve_many

    def refuse_one(records, long_term, **kw):
        if any("refused" in r.text for r in records):
            raise ValueError("cannot plan this one")
        return original(records, long_term, **kw)

    monkeypatch.setattr(resolver, "resolve_many", refuse_one)
    adds = [
        ("The well was dug in 1912", "mira"),
        ("This sentence is refused by the planner", "mira"),
        ("Mira collects enamel pins from railway museums", "mira"),
        ("Jon repairs clocks on Saturdays", "jon"),
    ]
    results = _in_one_group(mem, adds)
    assert isinstance(results[1], ValueError)
    assert sorted(r.text for r in mem.list_memories("mira")) == sorted([adds[0][0], adds[2][0]])
    assert [r.text for r in mem.list_memories("jon")] == [adds[3][0]]


def test_many_threads_lose_nothing_and_merge_only_restatements(mem):
    users = [f"reader{i}" for i in range(6)]
    texts = {
        u: [f"{u} finished book number {n} of the Hornblower series" for n in range(5)]
        for u in users
    }
    jobs = [(t, u) for u in users for t in texts[u]] + [(texts[u][0], u) for u in users] * 3
    start = threading.Barrier(8)
    results, lock = [], threading.Lock()

    def worker(part):
        start.wait()
        for text, user in part:
            record = mem.add(text, user)
            with lock:
                results.append((user, record.id))

    threads = [threading.Thread(target=worker, args=(jobs[k::8],)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(results) == len(jobs)
    for u in users:
        stored = {r.text: r for r in mem.list_memories(u)}
        assert sorted(stored) == sorted(texts[u])
        assert stored[texts[u][0]].access_count == 3
        assert {mid for user, mid in results if user == u} == {r.id for r in stored.values()}


def test_add_while_planning_does_not_wait_for_itself(mem):
    """A caller holding the planning lock (reentrant) adds at once, even with another add
    queued as the writer behind that lock."""
    other = threading.Thread(target=mem.add, args=("The mill pond froze in January", "ines"))
    with mem._layers_lock:
        other.start()
        while not mem._add_writer._calls._busy:
            time.sleep(0.01)
        record = mem.add("The mill wheel was rebuilt in oak", "ines")
    other.join(60)
    assert not other.is_alive()
    texts = sorted(r.text for r in mem.list_memories("ines"))
    assert texts == ["The mill pond froze in January", "The mill wheel was rebuilt in oak"]
    assert mem.get(record.id, "ines").text == "The mill wheel was rebuilt in oak"
