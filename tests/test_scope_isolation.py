"""Two users store near-identical memories; neither ever sees, changes or deletes the other's."""

import pytest

from agentmem import NotFoundError, QueryRefusedError, Scope


@pytest.fixture
def twins(mem, alice, bob):
    a = mem.add("I live in Berlin and my dog is Rex", alice, {"k": "v"})
    b = mem.add("I live in Berlin and my dog is Max", bob, {"k": "v"})
    return a, b


@pytest.mark.parametrize("mode", ["hybrid", "fulltext", "semantic"])
def test_search_never_crosses_users(mem, alice, bob, twins, mode):
    a, b = twins
    for query in ("Berlin dog", "Rex", "Max", "I live in Berlin and my dog is Max"):
        assert {h.record.id for h in mem.search(query, alice, mode=mode)} <= {a.id}
        assert {h.record.id for h in mem.search(query, bob, mode=mode)} <= {b.id}
    assert {
        h.record.id
        for h in mem.search("Berlin", alice, mode=mode, filters={"metadata": {"k": "v"}})
    } == {a.id}


def test_get_update_delete_history_of_other_user_fail(mem, alice, bob, twins):
    a, b = twins
    for call in (
        lambda: mem.get(b.id, alice),
        lambda: mem.history(b.id, alice),
        lambda: mem.update(b.id, "hijacked", alice),
        lambda: mem.delete(b.id, alice),
    ):
        with pytest.raises(NotFoundError):
            call()
    assert mem.get(b.id, bob).text == "I live in Berlin and my dog is Max"
    assert mem.get(b.id, bob).status == "active"


def test_identical_text_reinforces_only_within_a_user(mem, alice, bob):
    a = mem.add("I like green tea", alice)
    b = mem.add("I like green tea", bob)
    assert a.id != b.id
    assert mem.get(a.id, alice).access_count == 0


def test_sql_sees_only_own_rows(mem, alice, bob, twins):
    a, b = twins
    rows = mem.sql("SELECT id, user_id, text FROM memories", alice)
    assert [r["id"] for r in rows] == [a.id]
    assert mem.sql("SELECT count(*) AS n FROM memory_events", bob) == [{"n": 1}]
    rows = mem.sql(f"SELECT id FROM memories WHERE id = '{b.id}' OR user_id = 'bob'", alice)
    assert rows == []
    with pytest.raises(QueryRefusedError):
        mem.sql("SELECT * FROM main.memories", alice)


def test_agent_scope_sees_own_and_shared_memories(mem):
    shared = mem.add("I am vegetarian", Scope("carol"))
    agent_a = mem.add("Prefers short answers", Scope("carol", agent_id="a"))
    agent_b = mem.add("Prefers long answers", Scope("carol", agent_id="b"))
    seen = {h.record.id for h in mem.search("answers vegetarian", Scope("carol", agent_id="a"))}
    assert seen == {shared.id, agent_a.id}
    with pytest.raises(NotFoundError):
        mem.get(agent_b.id, Scope("carol", agent_id="a"))
