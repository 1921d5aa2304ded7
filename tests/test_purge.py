"""Purge: a data-deletion request leaves nothing of the user in any store."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from agentmem import Memory, NotFoundError, Scope, lifecycle
from agentmem.config import ConflictsConfig
from agentmem.short_term import word_counter
from agentmem.stores.vector import _collection_name
from agentmem.types import AdapterInfo, utcnow

STAND_IN_STORE = '''
"""A file store shaped like KV snapshots and LoRA adapters: <home>/standin/<user>/..."""
import shutil
from pathlib import Path


def save(home, user_id, name):
    path = Path(home) / "standin" / user_id / f"{name}.safetensors"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"weights")
    path.with_suffix(".json").write_text("{}")


def purge_user(home, user_id):
    folder = Path(home) / "standin" / user_id
    count = len(list(folder.glob("*"))) if folder.exists() else 0
    shutil.rmtree(folder, ignore_errors=True)
    return count
'''


@pytest.fixture
def file_store(tmp_path, monkeypatch):
    """A real file store reached through purge's hook, standing in for stores not built yet."""
    (tmp_path / "agentmem_standin_store.py").write_text(textwrap.dedent(STAND_IN_STORE))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(lifecycle.FILE_STORES, "standin", ("agentmem_standin_store", "home"))
    import agentmem_standin_store

    yield agentmem_standin_store
    sys.modules.pop("agentmem_standin_store", None)


@pytest.fixture
def mem(home):
    with Memory(home=home, embedding={"model": "hash"}, token_counter=word_counter) as m:
        yield m


def _fill(mem: Memory, scope: Scope) -> list[str]:
    mem.long_term.config.conflicts = ConflictsConfig(policies={"works_at": "manual"})
    ids = [
        mem.add("I live in Berlin", scope).id,
        mem.add("I moved to Paris", scope).id,
        mem.add("I work at Acme", scope).id,
        mem.add("I joined Globex", scope).id,
        mem.add("Dentist appointment on Monday at nine", scope).id,
    ]
    mem.update(ids[-1], "Dentist appointment on Tuesday at nine", scope)
    mem.observe("user", "I speak Italian and I have a cat named Tom", scope)
    return ids


def _register_adapter(mem: Memory, scope: Scope, tmp_path) -> Path:
    """A real registry entry with files (weights are placeholder bytes: no training here)."""
    from agentmem.parametric import registry

    source = tmp_path / f"adapter-{scope.user_id}"
    source.mkdir()
    (source / "adapter_config.json").write_text("{}")
    (source / registry.WEIGHTS).write_bytes(b"\0" * 16)
    reg = registry.AdapterRegistry(mem.long_term.sql.engine, mem.config.home / "adapters")
    info = AdapterInfo(
        id=f"ad-{scope.user_id}",
        scope=scope,
        version=1,
        base_fingerprint="f",
        fact_ids={},
        path="",
        created_at=utcnow(),
    )
    info.path = str(reg.write_files(source, info))
    reg.add(info)
    return Path(info.path)


def _rows_of(mem: Memory, user_id: str) -> dict[str, int]:
    engine = mem.long_term.sql.engine
    counts = {}
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            columns = {c["name"] for c in inspect(engine).get_columns(table)}
            if "user_id" in columns:
                counts[table] = conn.execute(
                    text(f"SELECT count(*) FROM {table} WHERE user_id = :u"), {"u": user_id}
                ).scalar()
        counts["memories_fts"] = conn.execute(
            text("SELECT count(*) FROM memories_fts WHERE scope = 'u' || hex(:u)"), {"u": user_id}
        ).scalar()
    return counts


def test_purge_removes_the_user_from_every_store(mem, alice, bob, file_store, tmp_path):
    ids = _fill(mem, alice)
    _fill(mem, bob)
    alice_adapter = _register_adapter(mem, alice, tmp_path)
    bob_adapter = _register_adapter(mem, bob, tmp_path)
    file_store.save(mem.config.home, "alice", "adapter-v1")
    file_store.save(mem.config.home, "bob", "adapter-v1")
    before = _rows_of(mem, "alice")
    assert mem.conflicts(alice) and all(
        before[t]
        for t in ("memories", "memory_events", "conflicts", "episodes", "memories_fts", "adapters")
    )
    assert alice_adapter.exists()

    mem.purge(alice)

    assert _rows_of(mem, "alice") == dict.fromkeys(_rows_of(mem, "alice"), 0)
    names = {c.name for c in mem.long_term.index.client.list_collections()}
    assert _collection_name(mem.long_term.index.prefix, "alice") not in names
    assert mem.long_term.index.count("alice") == 0
    for mode in ("hybrid", "semantic", "fulltext"):
        assert mem.search("Berlin Paris Acme Globex dentist", alice, mode=mode) == []
    for memory_id in ids:
        with pytest.raises(NotFoundError):
            mem.get(memory_id, alice)
    assert mem.facts(alice, include_history=True) == [] and mem.conflicts(alice) == []
    assert not (mem.config.home / "standin" / "alice").exists()
    assert not alice_adapter.exists()

    # bob is untouched in every store
    assert all(_rows_of(mem, "bob")[t] for t in ("memories", "memory_events", "conflicts"))
    assert mem.long_term.index.count("bob") == _rows_of(mem, "bob")["memories"]
    assert [f.value for f in mem.facts(bob, attribute="lives_in")] == ["Paris"]
    assert (mem.config.home / "standin" / "bob" / "adapter-v1.safetensors").exists()
    assert bob_adapter.exists() and _rows_of(mem, "bob")["adapters"] == 1


def test_purge_survives_reopening_and_reindex(home, alice):
    with Memory(home=home, embedding={"model": "hash"}, token_counter=word_counter) as mem:
        _fill(mem, alice)
        mem.purge(alice)
    with Memory(home=home, embedding={"model": "hash"}, token_counter=word_counter) as mem:
        mem.reindex()
        assert mem.long_term.index.count("alice") == 0
        assert mem.search("Berlin", alice) == []


def test_purge_of_an_unknown_user_is_a_no_op(mem):
    mem.purge(Scope(user_id="nobody"))
