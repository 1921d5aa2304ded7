"""The HTTP service through FastAPI's TestClient: shapes, auth, tenant isolation, limits, errors.

Chat routes run the real local model (marked `llm`); everything else uses the hash embedder.
"""

from __future__ import annotations

import json
import os
import tempfile
from functools import lru_cache
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from agentmem import Memory, MemoryConfig  # noqa: E402
from agentmem.server import create_app, parse_api_keys  # noqa: E402

KEYS = {"ka": {"alice"}, "kb": {"bob"}, "kall": {"*"}}
A = {"Authorization": "Bearer ka"}
B = {"Authorization": "Bearer kb"}
MODEL_CACHE = Path(
    os.environ.get(
        "AGENTMEM_TEST_MODEL_CACHE", Path(tempfile.gettempdir()) / "agentmem-test-models"
    )
)


@lru_cache(maxsize=1)
def shared_llm():
    """The bundled model, loaded once per test session (converted once per machine)."""
    from agentmem.llm import LocalLLM

    return LocalLLM.load(MemoryConfig.create(home=MODEL_CACHE, llm={"cache_dir": MODEL_CACHE}))


@pytest.fixture
def client(mem):
    with TestClient(create_app(mem, api_keys=KEYS, max_body_bytes=20_000)) as c:
        yield c


def _add(client, text, user="alice", headers=A, **extra):
    r = client.post("/v1/memories", json={"user_id": user, "text": text, **extra}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def test_parse_api_keys():
    assert parse_api_keys("key1:alice,bob;key2:carol") == {
        "key1": {"alice", "bob"},
        "key2": {"carol"},
    }
    from agentmem.errors import ConfigError

    with pytest.raises(ConfigError, match="key:user1"):
        parse_api_keys("key1")


def test_keys_from_environment(mem, monkeypatch):
    monkeypatch.setenv("AGENTMEM_API_KEYS", "envkey:alice")
    with TestClient(create_app(mem)) as c:
        assert (
            c.get(
                "/v1/memories",
                params={"user_id": "alice"},
                headers={"Authorization": "Bearer envkey"},
            ).status_code
            == 200
        )
        assert (
            c.get(
                "/v1/memories",
                params={"user_id": "bob"},
                headers={"Authorization": "Bearer envkey"},
            ).status_code
            == 403
        )


def test_health_and_openapi(client):
    assert client.get("/healthz").json()["status"] == "ok"
    schema = client.get("/openapi.json").json()
    for path in (
        "/v1/memories",
        "/v1/memories/{memory_id}",
        "/v1/memories/{memory_id}/history",
        "/v1/search",
        "/v1/observe",
        "/v1/context",
        "/v1/conflicts",
        "/v1/chat",
        "/v1/chat/completions",
    ):
        assert path in schema["paths"], path
    assert client.get("/docs").status_code == 200


def test_memory_crud_and_history(client):
    created = _add(client, "I live in Berlin", metadata={"source": "signup"})
    assert {"id", "text", "user_id", "kind", "metadata"} <= set(created)
    assert created["text"] == "I live in Berlin" and created["user_id"] == "alice"
    mid = created["id"]

    got = client.get(f"/v1/memories/{mid}", params={"user_id": "alice"}, headers=A).json()
    assert got["id"] == mid and got["metadata"] == {"source": "signup"}

    r = client.patch(
        f"/v1/memories/{mid}", json={"user_id": "alice", "text": "I live in Hamburg"}, headers=A
    )
    assert r.status_code == 200 and r.json()["text"] == "I live in Hamburg"
    assert r.json()["version"] == 2

    events = client.get(
        f"/v1/memories/{mid}/history", params={"user_id": "alice"}, headers=A
    ).json()["events"]
    assert [e["op"] for e in events] == ["ADD", "UPDATE"]
    assert events[1]["old_text"] == "I live in Berlin"

    listed = client.get("/v1/memories", params={"user_id": "alice"}, headers=A).json()
    assert [m["id"] for m in listed["memories"]] == [mid]

    assert (
        client.delete(f"/v1/memories/{mid}", params={"user_id": "alice"}, headers=A).status_code
        == 204
    )
    after = client.get(f"/v1/memories/{mid}", params={"user_id": "alice"}, headers=A).json()
    assert after["status"] == "deleted"


def test_search_shape_and_explain(client):
    _add(client, "My dog is called Biscuit")
    _add(client, "I work as a nurse in Lisbon")
    r = client.post(
        "/v1/search",
        json={"user_id": "alice", "query": "dog", "top_k": 1, "explain": True},
        headers=A,
    )
    assert r.status_code == 200
    results = r.json()["results"]
    assert len(results) == 1
    hit = results[0]
    assert {"id", "text", "score"} <= set(hit)
    assert "Biscuit" in hit["text"] and 0 <= hit["score"] <= 1
    assert set(hit["explanation"]) >= {"fulltext", "semantic"}


def test_observe_and_context(client):
    r = client.post(
        "/v1/observe",
        json={"user_id": "alice", "session_id": "s1", "content": "I moved to Porto last week"},
        headers=A,
    )
    assert r.status_code == 200
    obs = r.json()
    assert obs["episode_ids"] and any("Porto" in f["text"] for f in obs["facts"])
    ctx = client.post(
        "/v1/context",
        json={"user_id": "alice", "session_id": "s1", "query": "where do I live?"},
        headers=A,
    ).json()
    assert ctx["messages"][0]["role"] == "system"
    assert "Porto" in json.dumps(ctx["messages"])


def test_conflicts_list_and_resolve(tmp_path):
    with (
        Memory(
            home=tmp_path / "h", embedding={"model": "hash"}, conflicts={"default_policy": "manual"}
        ) as m,
        TestClient(create_app(m, api_keys=KEYS)) as c,
    ):
        _add(c, "I live in Berlin")
        _add(c, "I live in Paris")
        open_ = c.get("/v1/conflicts", params={"user_id": "alice"}, headers=A).json()
        assert len(open_["conflicts"]) == 1
        conflict = open_["conflicts"][0]
        r = c.post(
            f"/v1/conflicts/{conflict['id']}/resolve",
            json={"user_id": "alice", "choice": "new"},
            headers=A,
        )
        assert r.status_code == 200 and r.json()["events"]
        assert (
            c.get("/v1/conflicts", params={"user_id": "alice"}, headers=A).json()["conflicts"] == []
        )
        # bob's key never sees or resolves alice's conflicts
        assert (
            c.post(
                f"/v1/conflicts/{conflict['id']}/resolve",
                json={"user_id": "bob", "choice": "new"},
                headers=B,
            ).status_code
            == 404
        )


def test_authentication_is_required(client):
    assert client.get("/v1/memories", params={"user_id": "alice"}).status_code == 401
    r = client.get(
        "/v1/memories", params={"user_id": "alice"}, headers={"Authorization": "Bearer nope"}
    )
    assert r.status_code == 401 and r.json()["error"]["type"] == "authentication_error"
    assert (
        client.get(
            "/v1/memories", params={"user_id": "alice"}, headers={"Authorization": "Basic ka"}
        ).status_code
        == 401
    )


def _routes_for(user: str, memory_id: str, conflict_id: str = "c0") -> list[tuple]:
    q = {"user_id": user}
    return [
        ("post", "/v1/memories", {"json": {"user_id": user, "text": "x"}}),
        ("get", "/v1/memories", {"params": q}),
        ("get", f"/v1/memories/{memory_id}", {"params": q}),
        ("patch", f"/v1/memories/{memory_id}", {"json": {"user_id": user, "text": "y"}}),
        ("delete", f"/v1/memories/{memory_id}", {"params": q}),
        ("get", f"/v1/memories/{memory_id}/history", {"params": q}),
        ("post", "/v1/search", {"json": {"user_id": user, "query": "x"}}),
        ("post", "/v1/observe", {"json": {"user_id": user, "content": "x"}}),
        ("post", "/v1/context", {"json": {"user_id": user, "query": "x"}}),
        ("get", "/v1/conflicts", {"params": q}),
        (
            "post",
            f"/v1/conflicts/{conflict_id}/resolve",
            {"json": {"user_id": user, "choice": "new"}},
        ),
        ("post", "/v1/chat", {"json": {"user_id": user, "message": "hi"}}),
        (
            "post",
            "/v1/chat/completions",
            {"json": {"user": user, "messages": [{"role": "user", "content": "hi"}]}},
        ),
    ]


def test_a_key_never_reaches_another_users_data(client):
    bobs = _add(client, "Bob's secret: the vault code is 4321", user="bob", headers=B)
    # acting for bob with alice's key: 403 on every route, nothing leaks
    for method, path, kwargs in _routes_for("bob", bobs["id"]):
        r = getattr(client, method)(path, headers=A, **kwargs)
        assert r.status_code == 403, (method, path, r.status_code)
        assert "4321" not in r.text
    # bob's id under alice's own user: 404, exactly like an unknown id
    for method, path, kwargs in _routes_for("alice", bobs["id"]):
        if bobs["id"] not in path:
            continue
        r = getattr(client, method)(path, headers=A, **kwargs)
        assert r.status_code == 404, (method, path, r.status_code)
        assert "4321" not in r.text
    hits = client.post(
        "/v1/search", json={"user_id": "alice", "query": "vault code"}, headers=A
    ).json()["results"]
    assert hits == []
    # and bob's memory is untouched
    got = client.get(f"/v1/memories/{bobs['id']}", params={"user_id": "bob"}, headers=B).json()
    assert got["text"] == bobs["text"] and got["status"] == "active"


def test_validation_errors_are_4xx_with_a_useful_body(client):
    r = client.post("/v1/memories", json={"text": "no user"}, headers=A)
    assert r.status_code == 422
    assert "user_id" in r.json()["error"]["message"]
    r = client.post("/v1/search", json={"user_id": "alice", "query": "x", "top_k": 0}, headers=A)
    assert r.status_code == 422 and "top_k" in r.json()["error"]["message"]
    r = client.post(
        "/v1/search",
        json={"user_id": "alice", "query": "x", "filters": {"colour": "red"}},
        headers=A,
    )
    assert r.status_code == 422 and "colour" in r.json()["error"]["message"]  # not in the spec
    r = client.post(
        "/v1/memories", content=b"{not json", headers={**A, "Content-Type": "application/json"}
    )
    assert r.status_code == 422
    r = client.post("/v1/memories", json={"user_id": "alice", "text": "   "}, headers=A)
    assert r.status_code == 422  # the spec's pattern: some visible text
    r = client.post(
        "/v1/memories", json={"user_id": "alice", "text": "x", "kind": "poem"}, headers=A
    )
    assert r.status_code == 422
    r = client.post("/v1/memories", json={"user_id": "", "text": "x"}, headers=A)
    assert r.status_code in (403, 422)
    r = client.get("/v1/memories/nope", params={"user_id": "alice"}, headers=A)
    assert r.status_code == 404 and r.json()["error"]["type"] == "not_found"
    r = client.post("/v1/chat/completions", json={"messages": []}, headers=A)
    assert r.status_code == 422
    r = client.post(
        "/v1/chat/completions",
        json={"user": "alice", "messages": [{"role": "assistant", "content": "hello"}]},
        headers=A,
    )
    assert r.status_code == 400 and "user message" in r.json()["error"]["message"]
    assert client.get("/v1/nowhere", headers=A).status_code == 404


def test_request_size_limit(client):
    r = client.post("/v1/memories", json={"user_id": "alice", "text": "x" * 30_000}, headers=A)
    assert r.status_code == 413 and "bytes" in r.json()["error"]["message"]

    def chunks():
        for _ in range(30):
            yield b"x" * 1000

    r = client.post(
        "/v1/observe", content=chunks(), headers={**A, "Content-Type": "application/json"}
    )
    assert r.status_code == 413


def test_config_file_keys(tmp_path):
    cfg = MemoryConfig.create(
        home=tmp_path / "h", embedding={"model": "hash"}, api={"keys": {"filekey": ["carol"]}}
    )
    with TestClient(create_app(cfg)) as c:
        h = {"Authorization": "Bearer filekey"}
        assert _add(c, "I like tea", user="carol", headers=h)["user_id"] == "carol"
        assert c.get("/v1/memories", params={"user_id": "alice"}, headers=h).status_code == 403


@pytest.mark.llm
def test_chat_and_openai_completions(mem):
    mem.llm = shared_llm()
    mem.add("My cat is called Miso", "alice")
    with TestClient(create_app(mem, api_keys=KEYS)) as c:
        r = c.post(
            "/v1/chat",
            json={
                "user_id": "alice",
                "session_id": "web",
                "message": "What is my cat called?",
                "max_tokens": 12,
            },
            headers=A,
        )
        assert r.status_code == 200, r.text
        reply = r.json()
        assert reply["text"] and reply["memories"] and reply["kv"]["tokens_seen"] > 0

        body = {
            "model": "agentmem",
            "user": "alice",
            "max_tokens": 8,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Name my cat."},
            ],
        }
        r = c.post("/v1/chat/completions", json=body, headers=A)
        assert r.status_code == 200, r.text
        out = r.json()
        assert out["object"] == "chat.completion"
        assert out["choices"][0]["message"]["role"] == "assistant"
        assert out["choices"][0]["message"]["content"]
        assert out["usage"]["completion_tokens"] > 0

        with c.stream(
            "POST", "/v1/chat/completions", json={**body, "stream": True}, headers=A
        ) as r:
            assert r.headers["content-type"].startswith("text/event-stream")
            events = [line[6:] for line in r.iter_lines() if line.startswith("data: ")]
        assert events[-1] == "[DONE]"
        chunks = [json.loads(e) for e in events[:-1]]
        assert all(ch["object"] == "chat.completion.chunk" for ch in chunks)
        cut = chunks[-1]["usage"]["completion_tokens"] == body["max_tokens"]
        assert chunks[-1]["choices"][0]["finish_reason"] == ("length" if cut else "stop")
        assert "".join(ch["choices"][0]["delta"].get("content", "") for ch in chunks)
    # the conversation went into memory as episodes of the session
    assert any(
        e["content"] == "What is my cat called?"
        for e in mem.sql("SELECT content FROM episodes", "alice")
    )
