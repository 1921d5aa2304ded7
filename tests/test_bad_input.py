"""Bad input: a clear AgentMemError subclass naming the value and the fix; nothing written."""

import pytest

from agentmem import AgentMemError, Memory, Scope, ScopeError, ValidationError


def _count(mem, scope):
    return mem.sql("SELECT count(*) AS n FROM memories", scope)[0]["n"]


@pytest.mark.parametrize(
    "text, needle",
    [
        ("", "must not be empty"),
        ("   \n\t", "must not be empty"),
        (None, "must be a string"),
        (42, "must be a string"),
    ],
)
def test_bad_text(mem, alice, text, needle):
    with pytest.raises(ValidationError, match=needle):
        mem.add(text, alice)
    assert _count(mem, alice) == 0


def test_text_over_the_limit(home, alice):
    with Memory(home=home, embedding={"model": "hash"}, max_text_chars=100) as mem:
        with pytest.raises(ValidationError, match="max_text_chars=100"):
            mem.add("x" * 101, alice)
        with pytest.raises(ValidationError, match="max_text_chars"):
            mem.add_many(["fine", "y" * 500], alice)
        assert _count(mem, alice) == 0  # the good one of the batch was not written either


@pytest.mark.parametrize(
    "kwargs, needle",
    [
        ({"mode": "fuzzy"}, "mode must be one of"),
        ({"top_k": 0}, "top_k must be"),
        ({"top_k": "5"}, "top_k must be"),
        ({"filters": {"colour": "red"}}, "unknown filter keys"),
        ({"filters": {"kind": "poem"}}, "filters\\['kind'\\]"),
        ({"filters": {"metadata": {"k": [1, 2]}}}, "metadata filter values"),
        ({"filters": {"created_after": "yesterday"}}, "ISO 8601"),
        ({"as_of": "not a date"}, "as_of must be"),
    ],
)
def test_bad_search_arguments(mem, alice, kwargs, needle):
    with pytest.raises(ValidationError, match=needle):
        mem.search("anything", alice, **kwargs)


@pytest.mark.parametrize(
    "scope",
    [None, "", Scope.__new__(Scope), {"agent_id": "x"}, 3, {"user_id": "a", "colour": "red"}],
)
def test_missing_user_id(mem, scope):
    with pytest.raises((ScopeError, TypeError)) as info:
        if isinstance(scope, Scope):
            object.__setattr__(scope, "user_id", None)
            Scope.__post_init__(scope)
        mem.add("hello", scope)
    if info.type is not TypeError:
        assert "user_id" in str(info.value) or "scope" in str(info.value)


def test_scope_error_names_the_fix():
    with pytest.raises(ScopeError, match="Scope\\(user_id="):
        Scope(user_id=None)
    with pytest.raises(ScopeError, match="NUL"):
        Scope(user_id="a\x00b")


@pytest.mark.parametrize("metadata", [["not", "a", "dict"], {1: "int key"}, {"x": object()}])
def test_bad_metadata(mem, alice, metadata):
    with pytest.raises(ValidationError, match="metadata"):
        mem.add("hello", alice, metadata)
    assert _count(mem, alice) == 0


def test_deeply_nested_metadata_is_refused(mem, alice):
    deep: dict = {}
    node = deep
    for _ in range(5000):
        node["n"] = {}
        node = node["n"]
    with pytest.raises(ValidationError, match="nested"):
        mem.add("hello", alice, deep)


def test_every_error_is_an_agentmem_error(mem, alice):
    for call in (
        lambda: mem.add("", alice),
        lambda: mem.get("", alice),
        lambda: mem.search("q", alice, mode="x"),
        lambda: mem.sql("DROP TABLE x", alice),
    ):
        with pytest.raises(AgentMemError):
            call()
