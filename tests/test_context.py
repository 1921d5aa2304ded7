"""Context assembly: which memories go in, and packing to max_tokens with an accounting."""

from __future__ import annotations

import pytest

from agentmem import Memory, Scope, ValidationError
from agentmem.context import dedupe, query_attributes
from agentmem.short_term import word_counter
from agentmem.types import MemoryRecord, utcnow


@pytest.fixture
def memory(home):
    with Memory(
        home=home,
        embedding={"model": "hash"},
        token_counter=word_counter,
        short_term={"max_tokens": 400},
    ) as m:
        yield m


@pytest.mark.parametrize(
    ("question", "attribute"),
    [
        ("Where do I live?", "lives_in"),
        ("Where do I work?", "works_at"),
        ("What is my dog's name?", "pet_name"),
        ("How old am I?", "age"),
        ("What's my phone number?", "phone_number"),
        ("What is my favourite color?", "favorite_color"),
        ("What am I allergic to?", "allergic_to"),
        ("Who is my wife?", "spouse"),
    ],
)
def test_query_attributes(question, attribute):
    assert attribute in query_attributes(question)


def _fact(attribute, value, *, negated=False, minutes=0, multi_id=None):
    now = utcnow()
    from datetime import timedelta

    t = now + timedelta(minutes=minutes)
    return MemoryRecord(
        id=multi_id or f"{attribute}-{value}",
        text=f"{attribute} {value}",
        scope=Scope(user_id="u"),
        kind="fact",
        subject="user",
        attribute=attribute,
        value=value,
        metadata={"negated": True} if negated else {},
        valid_from=t,
    )


def test_dedupe_keeps_the_newest_single_value_and_all_multi_values():
    records = [
        _fact("lives_in", "Oslo"),
        _fact("lives_in", "Lisbon", minutes=5),
        _fact("lives_in", "Oslo", negated=True, multi_id="neg"),
        _fact("likes", "tea"),
        _fact("likes", "coffee"),
        _fact("likes", "tea", multi_id="dup"),
    ]
    kept = [(r.attribute, r.value) for r in dedupe(records)]
    assert kept == [("lives_in", "Lisbon"), ("likes", "tea"), ("likes", "coffee")]
    only_retraction = [_fact("works_at", "Acme", negated=True)]
    assert dedupe(only_retraction) == only_retraction


def test_context_has_preamble_memories_summary_and_recent_turns(memory):
    scope = Scope(user_id="u", session_id="s")
    memory.observe("user", "I live in Oslo and I work at Equinor.", scope)
    for i in range(80):
        memory.observe("assistant" if i % 2 else "user", f"Chat line {i} about the weather.", scope)
    memory.observe("user", "I moved to Bergen.", scope)
    assert memory.flush()  # the rolling summary is written by a background pass
    ctx = memory.context("Where do I live?", scope, max_tokens=300)
    system = ctx.messages[0]
    assert system["role"] == "system" and "Bergen" in system["content"]
    assert "The user lives in Oslo" not in system["content"]
    assert "Earlier in this conversation" in system["content"]
    assert ctx.messages[-1] == {"role": "user", "content": "I moved to Bergen."}
    assert ctx.tokens <= 300
    assert ctx.included["turns"] == len(ctx.messages) - 1
    assert ctx.included["memories"] == len(ctx.memories)
    assert all(m.status == "active" for m in ctx.memories)
    assert len({m.id for m in ctx.memories}) == len(ctx.memories)


@pytest.mark.parametrize("budget", [64, 120, 250, 600])
def test_context_respects_the_budget_and_accounts_for_the_rest(memory, budget):
    scope = Scope(user_id="u", session_id="s")
    for i in range(40):
        memory.observe("user", f"I like hobby number {i} very much.", scope)
    ctx = memory.context("What do I like?", scope, max_tokens=budget)
    counted = sum(word_counter(m["content"]) + 4 for m in ctx.messages)
    assert ctx.tokens == counted <= budget
    working = memory.short_term.get(scope)
    assert ctx.included["turns"] + ctx.left_out["turns"] == len(working.turns)


def test_context_of_an_empty_session_and_bad_budget(memory):
    scope = Scope(user_id="nobody")
    ctx = memory.context("anything?", scope)
    assert len(ctx.messages) == 1 and ctx.memories == []
    assert memory.context(None, scope).messages[0]["role"] == "system"
    with pytest.raises(ValidationError):
        memory.context("q", scope, max_tokens=3)


def test_context_never_crosses_users(memory):
    alice, bob = Scope(user_id="alice"), Scope(user_id="bob")
    memory.observe("user", "I live in Oslo.", alice)
    ctx = memory.context("Where do I live?", bob)
    assert "Oslo" not in " ".join(m["content"] for m in ctx.messages)
