"""Tenant isolation: through every interface, alice tries to read, change or delete bob's
data, and must fail. Python API (SQLite and PostgreSQL), HTTP service, CLI, LangChain
adapters, adapter registry (parametric memory) and export. KV snapshots are not part of
this tree yet (agentmem/kv/snapshots.py); the test for them skips until they land.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest

from agentmem import AgentMemError, Memory, NotFoundError, Scope

SECRET = "bob's vault code is 4711"


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request, tmp_path):
    config = {"home": tmp_path / "home", "embedding": {"model": "hash"}}
    if request.param == "postgresql":
        config["database_url"] = request.getfixturevalue("pg_url")
    from agentmem.short_term import word_counter

    with Memory(**config, token_counter=word_counter) as mem:
        bob = Scope("bob")
        secret = mem.add(SECRET, bob, {"secret": True})
        mem.add("I live in Oslo", bob)
        mem.add("I live in Bergen", bob)  # supersedes: bob has history and an event to undo
        mem.observe("user", "my PIN is 1234", Scope("bob", session_id="s"))
        mem.add("alice likes tea", "alice")
        yield mem, secret, config


def _bob_intact(mem: Memory, secret) -> None:
    got = mem.get(secret.id, "bob")
    assert got.text == SECRET and got.status == "active"
    assert mem.sql("SELECT count(*) AS n FROM episodes", "bob") == [{"n": 1}]


def test_python_api(world):
    mem, secret, _ = world
    alice = Scope("alice")
    bob_events = mem.history(secret.id, "bob")
    bob_all = mem.sql("SELECT id FROM memories", "bob")
    calls = [
        lambda: mem.get(secret.id, alice),
        lambda: mem.history(secret.id, alice),
        lambda: mem.update(secret.id, "hijacked", alice),
        lambda: mem.delete(secret.id, alice),
        lambda: mem.restore(bob_events[0].id, alice),
        lambda: mem.get(secret.id, Scope("alice", agent_id="bob")),
    ]
    for call in calls:
        with pytest.raises(NotFoundError):
            call()
    for mode in ("hybrid", "fulltext", "semantic"):
        hits = mem.search(
            SECRET,
            alice,
            mode=mode,
            filters={"status": list(("active", "superseded", "deleted", "archived"))},
        )
        assert all(h.record.scope.user_id == "alice" for h in hits)
    assert all(
        h.record.scope.user_id == "alice"
        for h in mem.search("vault", alice, as_of=datetime.now(UTC))
    )
    assert all(f.scope.user_id == "alice" for f in mem.facts(alice, include_history=True))
    assert mem.conflicts(alice, status=None) == []
    ids = {r["id"] for r in bob_all}
    for statement in (
        "SELECT id FROM memories",
        "SELECT memory_id AS id FROM memory_events",
        "SELECT id FROM episodes WHERE content LIKE '%PIN%'",
    ):
        assert not {r["id"] for r in mem.sql(statement, alice)} & ids
    mem.purge(alice)
    _bob_intact(mem, secret)
    assert mem.sql("SELECT count(*) AS n FROM memories", "bob") == [{"n": len(bob_all)}]


def test_http_service(world):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from agentmem.server import create_app

    mem, secret, _ = world
    app = create_app(mem, api_keys={"alice-key": {"alice"}, "bob-key": {"bob"}})
    with TestClient(app, raise_server_exceptions=False) as client:
        client.headers["Authorization"] = "Bearer alice-key"
        as_bob = {"user_id": "bob"}
        attempts = [
            client.get(f"/v1/memories/{secret.id}", params=as_bob),
            client.get(f"/v1/memories/{secret.id}", params={"user_id": "alice"}),
            client.get("/v1/memories", params=as_bob),
            client.get(f"/v1/memories/{secret.id}/history", params={"user_id": "alice"}),
            client.patch(f"/v1/memories/{secret.id}", json={"user_id": "alice", "text": "x"}),
            client.patch(f"/v1/memories/{secret.id}", json={"user_id": "bob", "text": "x"}),
            client.delete(f"/v1/memories/{secret.id}", params={"user_id": "alice"}),
            client.delete(f"/v1/memories/{secret.id}", params=as_bob),
            client.post("/v1/search", json={"user_id": "bob", "query": "vault"}),
            client.post("/v1/memories", json={"user_id": "bob", "text": "planted"}),
            client.post(
                "/v1/observe", json={"user_id": "bob", "role": "user", "content": "planted"}
            ),
            client.post("/v1/context", json={"user_id": "bob", "query": "vault"}),
            client.get("/v1/conflicts", params=as_bob),
        ]
        for response in attempts:
            assert response.status_code in (403, 404), (response.request.url, response.status_code)
            assert "4711" not in response.text
        response = client.post("/v1/search", json={"user_id": "alice", "query": "vault code"})
        assert response.status_code == 200 and "4711" not in response.text
        client.headers["Authorization"] = "Bearer not-a-key"
        assert client.get(f"/v1/memories/{secret.id}", params=as_bob).status_code == 401
    _bob_intact(mem, secret)
    assert mem.sql("SELECT count(*) AS n FROM memories WHERE text = 'planted'", "bob") == [{"n": 0}]


def test_cli(world):
    mem, secret, config = world
    from typer.testing import CliRunner

    from agentmem.cli import app

    mem.close()  # the CLI opens the store itself
    toml = config["home"].parent / "agentmem.toml"
    lines = [f'home = "{config["home"]}"', 'embedding = {model = "hash"}']
    if "database_url" in config:
        lines.append(f'database_url = "{config["database_url"]}"')
    toml.write_text("\n".join(lines))
    runner = CliRunner()
    base = ["--config", str(toml)]
    for args in (
        ["show", secret.id, "--user", "alice"],
        ["history", secret.id, "--user", "alice"],
        ["update", secret.id, "hijacked", "--user", "alice"],
        ["delete", secret.id, "--user", "alice"],
        ["search", "vault code", "--user", "alice", "--json"],
        ["export", "-", "--user", "alice"],
    ):
        result = runner.invoke(app, base + args)
        assert "4711" not in result.output, args
        if args[0] not in ("search", "export"):
            assert result.exit_code != 0, args
    with Memory(MemoryConfigFrom(toml)) as reopened:
        _bob_intact(reopened, secret)


def MemoryConfigFrom(path):  # noqa: N802 - reads like the constructor it stands for
    from agentmem.config import MemoryConfig

    return MemoryConfig.from_toml(path)


def test_export_is_confined(world):
    from agentmem.long_term import export

    mem, secret, _ = world
    out = io.StringIO()
    export.export_jsonl(mem, out, "alice")
    rows = [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]
    assert rows and "4711" not in out.getvalue() and "PIN" not in out.getvalue()
    assert all(_user_of(r) in (None, "alice") for r in rows)


def _user_of(row: dict):
    data = row.get("row", row)
    return data.get("user_id") if isinstance(data, dict) else None


def test_langchain_adapters(world):
    pytest.importorskip("langchain_core")  # the langchain extra; the adapter itself is in-tree
    import agentmem.adapters.langchain as lc

    mem, secret, _ = world
    alice = Scope("alice")
    retriever = lc.AgentMemRetriever(memory=mem, scope=alice)
    assert all("4711" not in d.page_content for d in retriever.invoke("vault code"))
    history = lc.AgentMemChatMessageHistory(memory=mem, scope=alice)
    assert all("PIN" not in str(m.content) for m in history.messages)
    history.clear()
    store_a = lc.AgentMemStore(memory=mem, scope=alice)
    store_b = lc.AgentMemStore(memory=mem, scope=Scope("bob"))
    store_b.mset([("k", {"secret": 4711})])
    assert store_a.mget(["k"]) == [None]
    store_a.mdelete(["k"])
    assert store_b.mget(["k"]) == [{"secret": 4711}]
    assert "k" not in list(store_a.yield_keys())
    vs_a = lc.AgentMemVectorStore(memory=mem, scope=alice)
    vs_b = lc.AgentMemVectorStore(memory=mem, scope=Scope("bob"))
    vs_b.add_texts(["bob's document about the vault"])
    assert all("vault" not in d.page_content for d in vs_a.similarity_search("vault", k=5))
    _bob_intact(mem, secret)


def test_adapter_registry(world, tmp_path):
    import agentmem.parametric.registry as registry_mod
    from agentmem.types import AdapterInfo

    mem, secret, _ = world
    registry = registry_mod.AdapterRegistry(mem.long_term.sql.engine, tmp_path / "adapters")
    info = AdapterInfo(
        id="bob-adapter",
        scope=Scope("bob"),
        version=1,
        base_fingerprint="fp",
        fact_ids={},
        path=str(tmp_path / "x"),
        status="active",
        created_at=datetime.now(UTC),
    )
    registry.add(info)
    with pytest.raises(NotFoundError):
        registry.get("bob-adapter", Scope("alice"))
    assert registry.list(Scope("alice"), all_agents=True) == []
    assert registry_mod.user_key("alice") != registry_mod.user_key("bob")
    assert registry.directory("../bob", "a").parent.parent == registry.root
    assert [a.id for a in registry.list(Scope("bob"))] == ["bob-adapter"]


def test_kv_snapshots(tmp_path):
    """A prefix snapshot is found only through its own user's scope, whatever the id holds."""
    from agentmem.kv.snapshots import SnapshotStore, purge_user, user_dir
    from agentmem.llm.fakes import tiny_llm

    llm, root = tiny_llm(), tmp_path / "kv"
    store = SnapshotStore(root)
    prefix = "<system>The vault code of this user is 4711\n"
    assert store.session(llm, "bob", None, prefix)[1] is False  # computed and saved
    assert store.session(llm, "bob", None, prefix)[1] is True  # reused by its owner
    for other in ("alice", "../bob", "bob/..", "BOB", "bob "):
        assert store.session(llm, other, None, prefix)[1] is False  # never bob's
        assert user_dir(root, other).resolve().parent == root.resolve()
    assert store.session(llm, "bob", "agent-1", prefix)[1] is False  # nor the user's agents'
    purge_user(root, "alice")
    assert store.session(llm, "bob", None, prefix)[1] is True


def test_every_error_is_typed(world):
    mem, secret, _ = world
    with pytest.raises(AgentMemError):
        mem.update(secret.id, "x", "alice")
