"""SIGKILL a writer at random points, many times; nothing acknowledged may be lost.

Writers are forked from a forkserver that has agentmem preloaded, so a cycle costs a
fraction of a second rather than a fresh interpreter. After the cycles: every acknowledged
write is present as acknowledged, every batch is all there or not at all, the audit trail
and the full-text index match the rows, the database passes its integrity check, and the
vector index is repaired from SQL on open. Adapter files (parametric memory) are written
atomically and a truncated one is refused.
"""

from __future__ import annotations

import json
import multiprocessing
import random
import re
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import crash_writer
import pytest
from sqlalchemy import text

from agentmem import Memory, Scope
from agentmem.short_term import word_counter

CYCLES = 100
ROWS = 1_000_000  # the checks read whole tables


@pytest.fixture(scope="module")
def forkserver():
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["crash_writer", "agentmem", "agentmem.manager", "chromadb"])
    return ctx


def _acks(path: Path) -> list[dict]:
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.endswith("}")]  # a torn last line


def _expected(acks: list[dict]) -> dict[str, set[tuple[str, str]]]:
    """memory id -> the (text, status) it may have: as acknowledged, or, for the batch a
    writer added last, also as changed by the update or delete it may have committed
    just before it was killed (committed, not yet acknowledged)."""
    state: dict[str, tuple[str, str]] = {}
    last_batch: dict[str, dict] = {}
    for a in acks:
        if a["op"] == "add":
            state.update({i: (t, "active") for i, t in zip(a["ids"], a["texts"], strict=True)})
            last_batch[a["batch"].rsplit("-", 1)[0]] = a
        elif a["op"] == "update":
            state[a["id"]] = (a["text"], state[a["id"]][1])
        else:
            state[a["id"]] = (state[a["id"]][0], "deleted")
    allowed = {i: {value} for i, value in state.items()}
    for a in last_batch.values():
        updated = crash_writer.note_text(f"{a['batch']}-updated", 0)
        for i in a["ids"]:
            allowed[i] |= {(updated, "active"), (state[i][0], "deleted")}
    return allowed


def _verify(home: Path, acks: list[dict]) -> None:
    scope = Scope(crash_writer.USER)
    with Memory(home=home, embedding={"model": "hash"}, token_counter=word_counter) as mem:
        engine = mem.long_term.sql.engine
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            fts = conn.execute(text("SELECT count(*) FROM memories_fts")).scalar()
            rows = conn.execute(text("SELECT count(*) FROM memories")).scalar()
            assert fts == rows, "full-text index out of step with the rows"
            assert (
                conn.execute(text("SELECT count(*) FROM memories WHERE index_dirty")).scalar() == 0
            )
        stored = {
            r["id"]: r
            for r in mem.sql(
                "SELECT id, text, status FROM memories WHERE status <> 'superseded'",
                scope,
                max_rows=ROWS,
            )
        }
        for memory_id, allowed in _expected(acks).items():
            got = stored.get(memory_id)
            assert got is not None, (
                f"acknowledged memory {memory_id} lost: {_trace(mem, scope, memory_id)}"
            )
            assert (got["text"], got["status"]) in allowed
        every = mem.sql("SELECT id, text FROM memories", scope, max_rows=ROWS)  # archived too
        batches = Counter(
            m.group(1) for r in every if (m := re.match(r"note (\w+-\d+)-\d+:", r["text"]))
        )
        assert set(batches.values()) <= {crash_writer.BATCH}, "a half-written batch"
        events = mem.sql("SELECT memory_id, op FROM memory_events", scope, max_rows=ROWS)
        added = {e["memory_id"] for e in events if e["op"] == "ADD"}
        assert set(stored) <= added, "a memory without its ADD event"
        all_ids = {r["id"] for r in every}
        assert {e["memory_id"] for e in events} <= all_ids, "an event without its memory"
        index_ids = mem.long_term.index.ids(crash_writer.USER)
        assert index_ids == all_ids, "the vector index was not repaired from SQL"
        sample = random.Random(0).sample(sorted(stored), min(5, len(stored)))
        for memory_id in sample:
            hits = mem.search(
                stored[memory_id]["text"],
                scope,
                mode="fulltext",
                top_k=3,
                filters={"status": ["active", "deleted"]},
            )
            assert memory_id in {h.record.id for h in hits}


def _trace(mem: Memory, scope: Scope, memory_id: str) -> str:
    """What became of a memory: its row and every event that names it."""
    assert re.fullmatch(r"[0-9a-f]+", memory_id)
    row = mem.sql(
        f"SELECT status, text, superseded_by FROM memories WHERE id = '{memory_id}'", scope
    )
    events = mem.sql(
        "SELECT op, reason, memory_id, related_id, new_text FROM memory_events "
        f"WHERE memory_id = '{memory_id}' OR related_id = '{memory_id}'",
        scope,
    )
    return f"row {row}, events {events}"


@pytest.mark.slow
def test_sigkill_at_random_points_loses_nothing_acknowledged(tmp_path, forkserver):
    home, ack_path = tmp_path / "home", tmp_path / "acks.jsonl"
    rng = random.Random(8)
    Memory(home=home, embedding={"model": "hash"}, token_counter=word_counter).close()
    started = time.monotonic()
    for cycle in range(CYCLES):
        ready = forkserver.Event()
        proc = forkserver.Process(
            target=crash_writer.run, args=(str(home), f"c{cycle}", str(ack_path), ready)
        )
        proc.start()
        if rng.random() < 0.25:  # while it opens the store and repairs the index
            time.sleep(rng.uniform(0.0, 0.3))
        else:  # in the middle of its batches, however long opening took on this machine
            ready.wait(60)
            time.sleep(rng.uniform(0.0, 0.8))
        proc.kill()
        proc.join(10)
        error = Path(f"{ack_path}.err")
        assert proc.exitcode is not None and proc.exitcode < 0, (
            f"the writer died by itself: {error.read_text() if error.exists() else '?'}"
        )
        if cycle % 50 == 49:
            _verify(home, _acks(ack_path))
    acks = _acks(ack_path)
    assert sum(1 for a in acks if a["op"] == "add") >= CYCLES // 2, "too few writes to judge"
    _verify(home, acks)
    print(
        f"{CYCLES} kill cycles, {len(acks)} acknowledged writes, {time.monotonic() - started:.0f}s"
    )


def test_adapter_files_are_atomic_and_truncation_is_refused(tmp_path):
    import agentmem.parametric.registry as registry_mod
    from agentmem.errors import ModelError
    from agentmem.types import AdapterInfo

    source = tmp_path / "trained"
    source.mkdir()
    (source / "adapter_config.json").write_text('{"r": 4}')
    (source / registry_mod.WEIGHTS).write_bytes(bytes(range(256)) * 64)
    registry = registry_mod.AdapterRegistry(engine=None, root=tmp_path / "adapters")
    info = AdapterInfo(
        id="a1",
        scope=Scope("alice"),
        version=1,
        base_fingerprint="fp",
        fact_ids={},
        path="",
        status="active",
        created_at=datetime.now(UTC),
    )
    target = registry.write_files(source, info)
    info.path = str(target)
    assert [p.name for p in target.parent.iterdir()] == ["a1"]  # no temp dir left behind
    assert registry.verify(info, "fp") == target
    weights = target / registry_mod.WEIGHTS
    weights.write_bytes(weights.read_bytes()[:100])  # a torn write
    with pytest.raises(ModelError, match="truncated or corrupt"):
        registry.verify(info, "fp")
