"""Two users store near-identical memories; neither ever sees, changes or deletes the other's."""

import pytest

from agentmem import NotFoundError, QueryRefusedError, Scope
from agentmem.config import ConflictsConfig


@pytest.fixture
def twins(mem, alice, bob):
    a = mem.add("I live in Berlin and my dog is Rex", alice, {"k": "v"})
    b = mem.add("I live in Berlin and my dog is Max", bob, {"k": "v"})
    return a, b


@pytest.mark.parametrize("mode", ["hybrid", "fulltext", "semantic"])
def test_search_never_crosses_users(mem, alice, bob, twins, mode):
    a, b = twins
    # each text states two facts, stored beside it (derived facts): the user's own records
    for query in ("Berlin dog", "Rex", "Max", "I live in Berlin and my dog is Max"):
        for scope, other in ((alice, b), (bob, a)):
            hits = [h.record for h in mem.search(query, scope, mode=mode)]
            assert {r.scope.user_id for r in hits} <= {scope.user_id}
            assert other.id not in {r.id for r in hits}
            assert other.id not in {r.metadata.get("derived_from") for r in hits}
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
    assert a.id in {r["id"] for r in rows} and {r["user_id"] for r in rows} == {"alice"}
    assert "Max" not in " ".join(r["text"] for r in rows)
    own = mem.sql("SELECT count(*) AS n FROM memories", bob)  # one ADD event each
    assert mem.sql("SELECT count(*) AS n FROM memory_events", bob) == own
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


# --- agents of one user: every read path applies the agent's scope -------------------------
A1 = Scope("dana", agent_id="planner", session_id="s1")
A2 = Scope("dana", agent_id="critic", session_id="s1")


def test_index_writer_reads_rows_of_their_own_user_only(mem, alice, bob, twins):
    a, b = twins
    with mem.long_term.sql.begin() as conn:
        assert [r.id for r in mem.long_term.sql.get_memories_by_id(conn, [a.id, b.id], "bob")] == [
            b.id
        ]


def test_agent_cannot_read_another_agents_rows_by_id_or_listing(mem):
    own = mem.add("The launch window opens at dawn", A1)
    assert mem.long_term.get_many([own.id], A2) == {}
    assert set(mem.long_term.get_many([own.id], A1)) == {own.id}
    assert [r.id for r in mem.list_memories(A2)] == []
    assert [r.id for r in mem.list_memories(A1)] == [own.id]


def test_langchain_history_of_one_agent_is_not_read_or_cleared_by_another(mem):
    pytest.importorskip("langchain_core")  # the langchain extra, not an in-tree module
    from langchain_core.messages import HumanMessage

    from agentmem.adapters.langchain import AgentMemChatMessageHistory

    first = AgentMemChatMessageHistory(memory=mem, scope=A1)
    second = AgentMemChatMessageHistory(memory=mem, scope=A2)
    first.add_messages([HumanMessage(content="Remember the vault code is 7719")])
    second.add_messages([HumanMessage(content="Schedule the review for Friday")])
    assert [m.content for m in second.messages] == ["Schedule the review for Friday"]
    second.clear()
    assert second.messages == []
    assert [m.content for m in first.messages] == ["Remember the vault code is 7719"]


def test_langchain_store_keys_of_one_agent_are_not_read_or_deleted_by_another(mem):
    pytest.importorskip("langchain_core")
    from agentmem.adapters.langchain import AgentMemStore

    first = AgentMemStore(memory=mem, scope=A1)
    second = AgentMemStore(memory=mem, scope=A2)
    first.mset([("plan", "take the north pass")])
    assert second.mget(["plan"]) == [None]
    assert list(second.yield_keys()) == []
    second.mdelete(["plan"])
    assert first.mget(["plan"]) == ["take the north pass"]


def test_http_listing_applies_the_agent_scope(mem):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from agentmem.server import create_app

    own = mem.add("The supply drop lands on Tuesday", A1)
    shared = mem.add("Dana prefers short answers", Scope("dana"))
    headers = {"Authorization": "Bearer kd"}
    with TestClient(create_app(mem, api_keys={"kd": {"dana"}})) as client:
        listed = {
            agent: {
                m["id"]
                for m in client.get(
                    "/v1/memories", params={"user_id": "dana", "agent_id": agent}, headers=headers
                ).json()["memories"]
            }
            for agent in ("planner", "critic")
        }
    assert listed == {"planner": {own.id, shared.id}, "critic": {shared.id}}


def _manual_conflict(mem, scope):
    mem.long_term.config.conflicts = ConflictsConfig(policies={"lives_in": "manual"})
    mem.add("I live in Porto", scope)
    mem.add("I moved to Leeds", scope)
    (conflict,) = mem.conflicts(scope)
    return conflict


def test_an_agents_conflicts_are_not_listed_or_closed_by_another_agent(mem):
    conflict = _manual_conflict(mem, A1)
    assert mem.conflicts(A2) == []
    assert mem.conflicts(A2, status=None) == []
    for choice in ("dismiss", "new"):
        with pytest.raises(NotFoundError):
            mem.resolve_conflict(conflict.id, choice, A2)
    assert [c.id for c in mem.conflicts(A1)] == [conflict.id]  # still open
    assert [c.id for c in mem.conflicts(Scope("dana"))] == [conflict.id]  # the user sees all


def test_an_agents_audit_events_are_not_undone_by_another_agent(mem):
    record = mem.add("The relay code is 4471", A1)
    mem.update(record.id, "The relay code is 9902", A1)
    update = mem.history(record.id, A1)[-1]
    with pytest.raises(NotFoundError):
        mem.restore(update.id, A2)
    assert mem.long_term.get_event(update.id, A2) is None
    assert mem.long_term.events_for([record.id], A2) == []
    assert mem.get(record.id, A1).text == "The relay code is 9902"


def test_context_of_one_agent_holds_no_turn_of_another_sharing_the_session_id(mem):
    # the two agents' turns interleave in one session's numbering
    mem.observe("user", "The vault code is 7719", A1)
    mem.observe("user", "Schedule the design review for Friday", A2)
    mem.observe("user", "The courier arrives at noon", A1)
    mem.flush()
    later = Scope("dana", agent_id="critic", session_id="s2")  # recalled from long-term memory
    text = " ".join(m["content"] for m in mem.context("When is the design review?", later).messages)
    assert "Friday" in text
    assert "7719" not in text and "courier" not in text
