"""The lean path of the busiest routes (`agentmem/server/lean.py`) answers what FastAPI's
route answers, byte for byte, and hands every request it does not take to FastAPI.

Two apps over one Memory: one as built, one with its lean table emptied (every request
through FastAPI). Real SQLite and Chroma, the hash embedder, FastAPI's TestClient.
"""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from agentmem.server import create_app  # noqa: E402
from agentmem.server.lean import LeanRoutes  # noqa: E402

KEYS = {"key-w": {"wanda"}, "key-all": {"*"}}
W = {"Authorization": "Bearer key-w"}
NOTES = [
    "Wanda keeps bees on the roof of her flat in Ghent.",
    "Her sister Ines teaches chemistry at a school in Leuven.",
    "Wanda's bike was stolen outside the station last spring.",
    "She is learning Portuguese before a trip to Recife in August.",
    "The honey from the roof hives won a prize at the Ghent market.",
]


def _lean_table(app):
    (entry,) = [m for m in app.user_middleware if m.cls is LeanRoutes]
    return entry.kwargs["table"]


@pytest.fixture
def pair(mem):
    lean, full = create_app(mem, api_keys=KEYS), create_app(mem, api_keys=KEYS)
    _lean_table(full).routes.clear()
    with TestClient(lean) as a, TestClient(full) as b:
        for text in NOTES:
            assert b.post("/v1/memories", json={"user_id": "wanda", "text": text}, headers=W)
        mem.flush()  # the index and background writes settled: both apps read one state
        yield a, b


def _same(one, other) -> None:
    assert one.status_code == other.status_code
    assert one.content == other.content
    for name in ("content-type", "content-length"):
        assert one.headers.get(name) == other.headers.get(name)


SEARCHES = [
    {"user_id": "wanda", "query": "who keeps bees?"},
    {"user_id": "wanda", "query": "sister chemistry", "top_k": 2, "explain": True},
    {"user_id": "wanda", "query": "stolen bicycle", "mode": "semantic", "top_k": 3},
    {"user_id": "wanda", "query": "Recife", "mode": "fulltext"},
    {"user_id": "wanda", "query": "honey prize", "filters": {"kinds": ["note"]}},
    {"user_id": "wanda", "query": "honey", "as_of": "2020-01-01T00:00:00Z"},
]


def test_a_lean_answer_is_fastapis_answer(pair):
    lean, full = pair
    for body in SEARCHES:
        _same(
            lean.post("/v1/search", json=body, headers=W),
            full.post("/v1/search", json=body, headers=W),
        )
    body = {"user_id": "wanda", "query": "where are the bees?", "max_tokens": 200}
    _same(
        lean.post("/v1/context", json=body, headers=W),
        full.post("/v1/context", json=body, headers=W),
    )
    made = [
        client.post("/v1/memories", json={"user_id": "wanda", "text": f"Note {n}."}, headers=W)
        for n, client in enumerate(pair)
    ]
    assert [r.status_code for r in made] == [201, 201]
    assert list(made[0].json()) == list(made[1].json())  # same fields, in the same order
    assert made[0].headers["content-type"] == made[1].headers["content-type"]


def test_the_lean_path_answers_without_fastapis_route(pair):
    """With FastAPI's search route gone, a well-formed search is still answered (the lean
    path took it) and one it refuses reaches the router, which no longer knows the path."""
    lean, _ = pair
    router = lean.app.router
    router.routes[:] = [r for r in router.routes if getattr(r, "path", None) != "/v1/search"]
    ok = lean.post("/v1/search", json=SEARCHES[0], headers=W)
    assert ok.status_code == 200 and "bees" in ok.json()["results"][0]["text"]
    assert lean.post("/v1/search", json=SEARCHES[0]).status_code == 404  # no key: handed over


REFUSED = [
    ({}, {"json": SEARCHES[0]}),  # no key
    ({"Authorization": "Bearer nobody"}, {"json": SEARCHES[0]}),
    ({"Authorization": "Basic key-w"}, {"json": SEARCHES[0]}),
    ({"Authorization": "Bearer "}, {"json": SEARCHES[0]}),
    (W, {"json": {"user_id": "otto", "query": "bees"}}),  # another user's data: 403
    (W, {"json": {"user_id": "wanda", "query": "bees", "top_k": 0}}),
    (W, {"json": {"user_id": "wanda", "query": "bees", "colour": "red"}}),
    (W, {"json": ["not", "an", "object"]}),
    (W, {"content": b"{not json", "headers": {"Content-Type": "application/json"}}),
    (W, {"content": b"", "headers": {"Content-Type": "application/json"}}),
    (
        W,
        {
            "content": b'{"user_id": "wanda", "query": "x"}',
            "headers": {"Content-Type": "text/plain"},
        },
    ),
    (W, {"json": SEARCHES[0], "params": {"top_k": "3", "mode": "fulltext"}}),  # answered
    (W, {"json": SEARCHES[0], "params": [("a", "1"), ("a", "2")]}),  # a repeated key: 422
    (W, {"json": {"user_id": "wanda", "query": "bees " * 20_000}}),  # refused by the memory
]


def test_every_refusal_is_fastapis_own(pair):
    """Refusals, and a request with a query string (FastAPI ignores unknown parameters and
    refuses a repeated one), give FastAPI's own status and bytes on both apps."""
    lean, full = pair
    for headers, request in REFUSED:
        extra = request.pop("headers", {})
        answers = [
            c.post("/v1/search", headers={**headers, **extra}, **request) for c in (lean, full)
        ]
        assert answers[0].status_code >= 400 or "params" in request, answers[0].text
        _same(*answers)
