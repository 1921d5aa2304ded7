"""Purge: a data-deletion request leaves nothing of the user in any store."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from agentmem import Memory, NotFoundError, Scope
from agentmem.config import ConflictsConfig
from agentmem.facts import lifecycle
from agentmem.llm.fakes import tiny_llm
from agentmem.short_term import word_counter
from agentmem.stores.vector import _collection_name
from agentmem.types import AdapterInfo, utcnow


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
    reg = registry.AdapterRegistry(mem.long_term.sql.engine, mem.config.lora.adapter_dir)
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


def test_purge_removes_the_user_from_every_store(mem, alice, bob, tmp_path):
    ids = _fill(mem, alice)
    _fill(mem, bob)
    alice_adapter = _register_adapter(mem, alice, tmp_path)
    bob_adapter = _register_adapter(mem, bob, tmp_path)
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
    assert not alice_adapter.exists()

    # bob is untouched in every store
    assert all(_rows_of(mem, "bob")[t] for t in ("memories", "memory_events", "conflicts"))
    assert mem.long_term.index.count("bob") == _rows_of(mem, "bob")["memories"]
    assert [f.value for f in mem.facts(bob, attribute="lives_in")] == ["Paris"]
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


def _files(roots: list[Path]) -> set[Path]:
    return {p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()}


def _chat(mem: Memory, scope: Scope, question: str) -> None:
    """A real chat on a tiny model: writes the scope's KV snapshot and the last-chat record."""
    mem.chat(question, scope, tiers=["text", "kv"], max_new_tokens=2)


def test_purge_leaves_no_file_of_the_user_with_every_path_moved(tmp_path, alice, bob):
    """Every path setting outside the home: a purge follows each of them."""
    moved = {
        "database_url": tmp_path / "sql" / "memory.db",
        "chroma": tmp_path / "vectors",
        "kv": tmp_path / "snapshots",
        "lora": tmp_path / "weights",
        "llm": tmp_path / "model-cache",
    }
    moved["database_url"].parent.mkdir()
    home = tmp_path / "home"
    mem = Memory(
        home=home,
        database_url=f"sqlite:///{moved['database_url']}",
        chroma={"path": moved["chroma"]},
        kv={"snapshot_dir": moved["kv"]},
        lora={"adapter_dir": moved["lora"]},
        llm={"cache_dir": moved["llm"]},
        embedding={"model": "hash"},
        token_counter=word_counter,
        consolidation={"background": False},
    )
    roots = [
        home,
        moved["database_url"].parent,
        *(moved[k] for k in ("chroma", "kv", "lora", "llm")),
    ]
    with mem:
        mem.llm = tiny_llm(config=mem.config)
        _fill(mem, bob)
        _register_adapter(mem, bob, tmp_path)
        _chat(mem, bob, "Where does bob live?")
        mem.flush()
        shared = _files(roots)  # bob's files and the stores every user shares
        _fill(mem, alice)
        alice_adapter = _register_adapter(mem, alice, tmp_path)
        _chat(mem, alice, "Where do I live?")
        mem.flush()
        alices = _files(roots) - shared
        assert any(alice_adapter in p.parents for p in alices)
        assert any(p.suffix == ".safetensors" for p in alices if moved["kv"] in p.parents)
        assert any(moved["chroma"] in p.parents for p in alices)  # her vector collection
        last_chat = mem.config.last_chat_path
        assert moved["kv"] in last_chat.parents and '"alice"' in last_chat.read_text()

        mem.purge(alice)

        left = _files(roots)
        assert left & alices == set()
        assert not last_chat.exists()
        assert left <= shared
        # bob keeps every file he had, and his memories answer as before
        assert shared - {last_chat} <= left
        assert [f.value for f in mem.facts(bob, attribute="lives_in")] == ["Paris"]
        assert mem.search("Paris", bob, mode="semantic")
    assert _files(roots) - shared == set()  # nothing of alice written back on close


def test_purge_keeps_the_last_chat_record_of_another_user(tmp_path, alice, bob):
    with Memory(home=tmp_path, embedding={"model": "hash"}, token_counter=word_counter) as mem:
        mem.llm = tiny_llm(config=mem.config)
        mem.add("I live in Lisbon", bob)
        _chat(mem, bob, "Where do I live?")
        mem.purge(alice)
        assert '"bob"' in mem.config.last_chat_path.read_text()
        mem.purge(bob)
        assert not mem.config.last_chat_path.exists()


def test_every_store_with_user_data_is_purged():
    """The stores purge walks: a store added to agentmem joins this list or this test fails."""
    names = [name for name, _ in lifecycle.USER_STORES]
    assert names == ["memories", "vector_index", "kv_snapshots", "last_chat", "adapters"]


def test_a_purge_right_after_writes_leaves_no_vector_generation(mem, alice):
    mem.add("warm the parser up", Scope("carol"))
    mem.flush()  # marks now: the next writes stay unmarked for up to a second
    for i in range(5):
        mem.add(f"Note {i}: the greenhouse needs a new hinge", alice)
    indexer, deadline = mem.long_term.indexer, time.monotonic() + 60
    while indexer._outstanding and time.monotonic() < deadline:
        time.sleep(0.01)  # then indexed, not yet marked: the window the purge must close
    mem.purge(alice)
    mem.flush()
    assert _rows_of(mem, "alice")["index_generations"] == 0
    assert mem.long_term.index.count("alice") == 0
