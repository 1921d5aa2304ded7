"""Many threads and several processes writing and searching one home / one PostgreSQL database.

What must hold afterwards: every acknowledged write is stored exactly once, no caller saw
"database is locked" (or any error), each memory has one ADD and a consistent audit trail,
and a statement made concurrently by every writer is stored once and reinforced by the
others (one wins, the rest reinforce, and every reinforcement is counted).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
from mp_worker import note_text, shared_text

from agentmem import Memory, Scope
from agentmem.short_term import word_counter

WORKER = Path(__file__).with_name("mp_worker.py")
USER = "shared-user"


def _check_store(mem: Memory, workers: list[str], n: int) -> None:
    scope = Scope(USER)
    # Episode rows are the searchable face of the episodes log, not audited changes.
    rows = mem.sql(
        "SELECT id, text, status, access_count FROM memories WHERE kind != 'episode'", scope
    )
    texts = Counter(r["text"] for r in rows if r["status"] == "active")
    for w in workers:
        for i in range(n):
            assert texts[note_text(w, i)] == 1, f"lost or duplicated: {note_text(w, i)}"
    for i in range(n):
        assert texts[shared_text(i)] == 1, f"duplicate shared statement {i}: {texts}"
    by_id = {r["id"]: r for r in rows}
    events = mem.sql("SELECT memory_id, op FROM memory_events", scope)
    adds = Counter(e["memory_id"] for e in events if e["op"] == "ADD")
    reinforcements = Counter(e["memory_id"] for e in events if e["op"] == "REINFORCE")
    assert set(adds) == set(by_id) and set(adds.values()) == {1}
    for i in range(n):
        winner = next(r for r in rows if r["text"] == shared_text(i))
        assert reinforcements[winner["id"]] == len(workers) - 1
        assert winner["access_count"] == len(workers) - 1, "a reinforcement was lost"
    episodes = mem.sql("SELECT session_id, count(*) AS n FROM episodes GROUP BY session_id", scope)
    assert sorted((e["session_id"], e["n"]) for e in episodes) == sorted(
        (f"s-{w}", n) for w in workers
    )


def _thread_writer(mem: Memory, worker: str, n: int, errors: list) -> None:
    scope = Scope(USER, session_id=f"s-{worker}")
    try:
        for i in range(n):
            mem.add(note_text(worker, i), scope)
            mem.add(shared_text(i), scope)
            mem.search(note_text(worker, i), scope, top_k=3)
            mem.observe("user", f"worker {worker} says hello {i}", scope)
    except Exception as exc:  # any error reaching a caller fails the test
        errors.append(f"{worker}: {type(exc).__name__}: {exc}")


@pytest.fixture(params=["sqlite", "postgresql"])
def config(request, tmp_path):
    cfg = {"home": str(tmp_path / "home"), "embedding": {"model": "hash"}}
    if request.param == "postgresql":
        cfg["database_url"] = request.getfixturevalue("pg_url")
    return cfg


def test_threads_share_one_store(config):
    """Eight threads: four share one Memory, four open their own on the same store."""
    workers, n = [f"t{i}" for i in range(8)], 6
    errors: list[str] = []
    # word_counter: the lazily loaded tokenizer's first use is not thread-safe yet (its
    # conversion runs outside the lock); see the issue-8 report
    shared = Memory(**config, token_counter=word_counter)
    own = [Memory(**config, token_counter=word_counter) for _ in range(4)]
    try:
        threads = [
            threading.Thread(
                target=_thread_writer, args=(shared if k < 4 else own[k - 4], w, n, errors)
            )
            for k, w in enumerate(workers)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        assert not errors, errors
        _check_store(shared, workers, n)
        for m in [shared, *own]:  # each Memory's index writer drains its own queue
            m.flush()
        assert shared.long_term.repair() == 0  # the index kept up with every write
    finally:
        for m in [shared, *own]:
            m.close()


@pytest.mark.slow
def test_processes_share_one_store(config, chroma_server):
    """Three processes on one database; vectors in a Chroma server (embedded Chroma is a
    single-process store)."""
    config = {
        **config,
        "chroma": {
            "host": chroma_server.host,
            "port": chroma_server.port,
            "collection": "conc" + Path(config["home"]).parent.name[-8:],
        },
    }
    workers, n = ["p0", "p1", "p2"], 5
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), json.dumps(config), w, str(n)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in workers
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0 and "done" in out, err[-3000:]
        assert "database is locked" not in err
    with Memory(**config) as mem:
        _check_store(mem, workers, n)
        semantic = mem.search(note_text("p1", 2), Scope(USER), mode="semantic", top_k=1)
        assert semantic[0].record.text == note_text("p1", 2)
        mem.long_term.index.drop_all()
