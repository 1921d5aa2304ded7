"""Input that cannot poison a user: a value the stores cannot hold or read back (a lone
surrogate, NaN, nesting past the JSON functions' limit) is refused before it is written,
through the Python API and over HTTP, and the user's reads keep working afterwards. Metadata
filter keys are names compared literally, never path syntax. SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid

import pytest
from fastapi.testclient import TestClient

from agentmem import Memory, ValidationError
from agentmem.server import create_app

SURROGATES = ["\ud800", "\udbff", "x\udc80y"]
NOT_FINITE = [float("nan"), float("inf"), float("-inf")]


def _nested(depth: int, leaf: object = 1) -> object:
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"n": value}
    return value


@pytest.fixture(scope="module")
def mem(module_mem_sql):
    return module_mem_sql


@pytest.fixture(scope="module")
def client(mem):
    return TestClient(create_app(mem, api_keys={"key": {"*"}}), raise_server_exceptions=False)


@pytest.fixture
def user():
    """A fresh user per test: the module's Memory is shared."""
    return "u" + uuid.uuid4().hex[:12]


def _rows(mem: Memory, user: str) -> int:
    return mem.sql("SELECT count(*) AS n FROM memories", user)[0]["n"]


def _user_still_works(mem: Memory, user: str) -> None:
    mem.add("the reading lamp is green", user, {"room": "study"})
    assert mem.search("lamp", user, filters={"metadata": {"room": "study"}})
    assert mem.context("lamp", user).memories
    mem.observe("user", "still here", user)


BAD_METADATA = (
    [{"k": s} for s in SURROGATES]
    + [{s: "v"} for s in SURROGATES]
    + [{"score": v} for v in NOT_FINITE]
    + [{"deep": [[v]]} for v in NOT_FINITE]
    + [{"tree": _nested(900)}, {"tree": _nested(40)}]
)


@pytest.mark.parametrize("metadata", BAD_METADATA, ids=range(len(BAD_METADATA)))
def test_unstorable_metadata_is_refused_before_writing(mem, metadata, user):
    with pytest.raises(ValidationError, match="metadata"):
        mem.add("a note", user, metadata)
    with pytest.raises(ValidationError, match="metadata"):
        mem.observe("user", "a turn", user, metadata=metadata)
    assert _rows(mem, user) == 0
    _user_still_works(mem, user)


@pytest.mark.parametrize("text", SURROGATES + ["tab\x00null"])
def test_unstorable_text_is_refused(mem, text, user):
    with pytest.raises(ValidationError, match="text"):
        mem.add(text, user)
    with pytest.raises(ValidationError, match="content"):
        mem.observe("user", text, user)
    with pytest.raises(ValidationError, match="query"):
        mem.search(text, user)
    _user_still_works(mem, user)


def test_metadata_within_bounds_round_trips(mem, user):
    meta = {"where": {"lvl": [1, 2.5, None, True, "é"]}, "big": 2**62, "tree": _nested(20)}
    record = mem.add("kept as given", user, meta)
    assert mem.get(record.id, user).metadata == json.loads(json.dumps(meta))


def test_filter_keys_are_names_not_paths(mem, user):
    nested = mem.add("the nested one", user, {"a": {"b": 7}})
    dotted = mem.add("the dotted one", user, {"a.b": 7})
    hits = mem.search("one", user, filters={"metadata": {"a.b": 7}})
    assert [h.record.id for h in hits] == [dotted.id]
    assert nested.id not in [h.record.id for h in hits]
    for key in ['a"."b', 'x"', "a'b", "a\\b", "$.a", "a[0]", "k\n"]:
        with pytest.raises(ValidationError, match="key"):
            mem.search("one", user, filters={"metadata": {key: 7}})


@pytest.mark.parametrize(
    "when", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-10:00", "0001-01-01T05:00:00+06:00"]
)
def test_dates_outside_the_range_are_refused(mem, when, user):
    record = mem.add("a dated note", user)
    with pytest.raises(ValidationError, match="range"):
        mem.search("note", user, as_of=when)
    for key in ("created_after", "created_before"):
        with pytest.raises(ValidationError, match="range"):
            mem.search("note", user, filters={key: when})
    with pytest.raises(ValidationError, match="range"):
        mem.get(record.id, user, as_of=when)


def _post(client, path, raw: str):
    headers = {"Authorization": "Bearer key", "content-type": "application/json"}
    return client.post(path, content=raw, headers=headers)


@pytest.mark.parametrize(
    "metadata",
    ['{"k": "\\ud83d"}', '{"x": NaN}', '{"x": -Infinity}', '{"x": %s}' % ("[" * 900 + "]" * 900)],
)
def test_http_refuses_with_4xx_and_the_user_stays_readable(mem, client, metadata, user):
    body = json.dumps({"user_id": user, "text": "a note"})[:-1] + f', "metadata": {metadata}}}'
    response = _post(client, "/v1/memories", body)
    assert response.status_code in (400, 422), response.text  # the schema or the checks
    assert "metadata" in response.json()["error"]["message"]
    assert _rows(mem, user) == 0
    headers = {"Authorization": "Bearer key"}
    assert client.get("/v1/memories", params={"user_id": user}, headers=headers).is_success
    search = json.dumps({"user_id": user, "query": "note", "filters": {"metadata": {"x": 1}}})
    assert _post(client, "/v1/search", search).status_code == 200
    context = json.dumps({"user_id": user, "query": "note"})
    assert _post(client, "/v1/context", context).status_code == 200


def test_http_dates_and_filter_keys_are_4xx(client, user):
    for extra in (
        {"as_of": "0001-01-01T00:00:00+14:00"},
        {"filters": {"created_after": "0001-01-01T00:00+01:00"}},
        {"filters": {"metadata": {'x"': 1}}},
    ):
        body = json.dumps({"user_id": user, "query": "q", **extra})
        response = _post(client, "/v1/search", body)
        assert response.status_code in (400, 422), response.text
        assert response.json()["error"]["message"]


def test_http_user_ids_with_nul_are_refused_by_the_schema(mem, client):
    response = _post(client, "/v1/memories", '{"user_id": "jo\\u0000e", "text": "hi"}')
    assert response.status_code == 422
    headers = {"Authorization": "Bearer key"}
    listed = client.get("/v1/memories", params={"user_id": "jo\x00e"}, headers=headers)
    assert listed.status_code == 422
    spec = client.get("/openapi.json").json()
    user_id = spec["components"]["schemas"]["MemoryIn"]["properties"]["user_id"]
    assert "pattern" in user_id
