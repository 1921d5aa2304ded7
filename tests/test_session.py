"""A scripted 200-turn conversation through observe/context, and restart continuity."""

from __future__ import annotations

import pytest

from agentmem import Memory, Scope
from agentmem.bench.session import PLANTED, UPDATES, recall, scripted_conversation
from agentmem.short_term import word_counter

TURNS = 200


def _open(home, background: bool = True) -> Memory:
    return Memory(
        home=home,
        embedding={"model": "hash"},
        token_counter=word_counter,
        short_term={"max_tokens": 256, "context_tokens": 1024},
        consolidation={"background": background},
    )


@pytest.fixture(scope="module", params=[True, False], ids=["background", "inline"])
def session(tmp_path_factory, request):
    home = tmp_path_factory.mktemp("session") / "home"
    scope = Scope(user_id="priya", session_id="chat-1")
    mem = _open(home, request.param)
    observations = [mem.observe(role, text, scope) for role, text in scripted_conversation(TURNS)]
    assert mem.flush()  # the background passes queued by the last turns
    yield mem, scope, observations, home
    mem.close()


def test_every_turn_is_an_episode(session):
    mem, scope, observations, _ = session
    rows = mem.sql("SELECT role, content FROM episodes ORDER BY seq", scope)
    assert [(r["role"], r["content"]) for r in rows] == scripted_conversation(TURNS)
    assert all(len(o.episode_ids) == 1 for o in observations)


def test_the_rolling_summary_exists_and_the_context_stays_in_budget(session):
    mem, scope, observations, _ = session
    working = mem.short_term.get(scope)
    assert working.summary is not None and working.summary.kind == "summary"
    assert working.tokens <= 256
    if mem.config.consolidation.background:  # how many passes depends on the thread's pace
        assert not any(o.consolidated for o in observations)
        assert sum(o.consolidation_scheduled for o in observations) >= 5
        assert mem.consolidation_runner.passes >= 1
    else:
        assert sum(o.consolidated for o in observations) >= 5
    summaries = mem.sql(
        "SELECT json_extract(meta, '$.rolling_session') AS rolling, "
        "json_extract(meta, '$.chunk_of') AS chunk FROM memories "
        "WHERE kind = 'summary' AND status = 'active'",
        scope,
    )
    assert sum(r["rolling"] is not None for r in summaries) == 1  # one session summary
    chunks = [r for r in summaries if r["chunk"] is not None]
    assert chunks and len(chunks) == len(summaries) - 1  # and every pass's chunk summary


@pytest.mark.parametrize("planted", PLANTED, ids=[p.question for p in PLANTED])
def test_context_recalls_each_planted_fact(session, planted):
    mem, scope, _, _ = session
    ctx = mem.context(planted.question, scope)
    text = " ".join(m["content"] for m in ctx.messages)
    assert planted.expected.lower() in text.lower()
    assert ctx.tokens <= 1024
    if planted.stale:  # the old value is no longer remembered as current
        memories = " ".join(m.text for m in ctx.memories)
        assert f"in {planted.stale}" not in memories and f"at {planted.stale}" not in memories


def test_recall_helper_agrees(session):
    mem, scope, _, _ = session
    result = recall(mem, scope)
    assert result["recall"] == 1.0 and result["stale_values_in_context"] == 0


def test_updates_superseded_the_old_values(session):
    mem, scope, _, _ = session
    lives = [
        f.value for f in mem.facts(scope, attribute="lives_in") if not f.metadata.get("negated")
    ]
    assert lives == ["Lisbon"]
    assert any("Lisbon" in u for u in UPDATES)


def test_restart_continuity(session):
    """Runs last in this module: it closes the shared memory and reopens the same home."""
    mem, scope, _, home = session
    before = {q: mem.context(q, scope) for q in ("Where do I live?", "What did we discuss?")}
    mem.close()
    reopened = _open(home, mem.config.consolidation.background)
    try:
        for query, ctx in before.items():
            again = reopened.context(query, scope)
            assert [m.text for m in again.memories] == [m.text for m in ctx.memories]
            assert again.messages[1:] == ctx.messages[1:]  # the summary and the recent turns
            assert again.messages == ctx.messages
            assert again.included == ctx.included and again.tokens == ctx.tokens
        reopened.observe("user", "By the way, my cat is called Pixel.", scope)
        after = reopened.context("What is my cat's name?", scope)
        assert after.messages[-1]["content"] == "By the way, my cat is called Pixel."
        assert "Pixel" in after.messages[0]["content"]
        assert before["Where do I live?"].messages[-1] in after.messages
    finally:
        reopened.close()
