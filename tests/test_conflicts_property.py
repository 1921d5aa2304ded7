"""Property: whatever arrives, in whatever order, a single-valued slot holds at most one
active fact, a multi-valued slot at most one active record per value, and no row is ever
hard-deleted (only purge deletes)."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentmem import Memory, Scope
from agentmem.errors import ConflictStateError
from agentmem.facts.conflicts import POLICIES, normalise_value

T0 = datetime(2024, 1, 1, tzinfo=UTC)
ATTRIBUTES = ["lives_in", "moved to", "works_at", "likes", "speaks"]
SINGLE = {"lives_in", "works_at"}
VALUES = ["Berlin", "Paris", "the Paris", "Rome", "Kreuzberg, Berlin", "tea", "French"]
_users = itertools.count()

statement = st.fixed_dictionaries(
    {
        "attribute": st.sampled_from(ATTRIBUTES),
        "value": st.sampled_from(VALUES),
        "negated": st.booleans(),
        "source": st.sampled_from(["user", "tool", "assistant"]),
        "confidence": st.sampled_from([0.3, 0.6, 0.9]),
        "day": st.integers(0, 30),
        "backdate": st.one_of(st.none(), st.integers(1, 400)),
    }
)
action = st.one_of(
    statement.map(lambda s: ("say", s)),
    st.tuples(st.just("delete"), st.integers(0, 50)),
    st.tuples(st.just("restore"), st.integers(0, 50)),
    st.tuples(st.just("resolve"), st.sampled_from(["new", "old", "dismiss"])),
)


@pytest.fixture(scope="module")
def memory(tmp_path_factory):
    with Memory(home=tmp_path_factory.mktemp("prop"), embedding={"model": "hash"}) as m:
        yield m


def _kwargs(s: dict, step: int) -> dict:
    at = T0 + timedelta(days=s["day"] + step)
    fact = {k: s[k] for k in ("attribute", "value", "negated", "confidence")}
    return {
        "observed_at": at,
        "source": s["source"],
        "fact": fact,
        "valid_from": at - timedelta(days=s["backdate"]) if s["backdate"] else None,
    }


def _check_invariants(memory: Memory, scope: Scope, rows_before: int) -> int:
    rows = memory.sql(
        "SELECT subject, attribute, value, meta FROM memories "
        "WHERE status = 'active' AND kind = 'fact'",
        scope,
    )
    per_slot = Counter((r["subject"], r["attribute"]) for r in rows if r["attribute"] in SINGLE)
    assert all(n <= 1 for n in per_slot.values()), per_slot
    per_value = Counter(
        (r["subject"], r["attribute"], normalise_value(r["value"]))
        for r in rows
        if r["attribute"] not in SINGLE
    )
    assert all(n <= 1 for n in per_value.values()), per_value
    total = memory.sql("SELECT count(*) AS n FROM memories", scope)[0]["n"]
    assert total >= rows_before, "a row was hard-deleted"
    return total


def _run(memory: Memory, actions: list, policy: str) -> None:
    scope = Scope(user_id=f"prop{next(_users)}")
    saved = memory.long_term.config.conflicts
    memory.long_term.config.conflicts = saved.model_copy(update={"default_policy": policy})
    ids: list[str] = []
    rows = 0
    try:
        for step, (kind, arg) in enumerate(actions):
            if kind == "say":
                ids.append(memory.add(f"statement {step}", scope, **_kwargs(arg, step)).id)
            elif kind == "delete" and ids:
                memory.delete(ids[arg % len(ids)], scope)
            elif kind == "restore" and ids:
                events = memory.history(ids[arg % len(ids)], scope)
                try:
                    memory.restore(events[arg % len(events)].id, scope)
                except ConflictStateError:
                    pass  # refusing an undo that would break the invariant is allowed
            elif kind == "resolve":
                open_ = memory.conflicts(scope)
                if open_:
                    memory.resolve_conflict(open_[0].id, arg, scope)
            rows = _check_invariants(memory, scope, rows)
    finally:
        memory.long_term.config.conflicts = saved


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(actions=st.lists(action, min_size=1, max_size=8), policy=st.sampled_from(POLICIES))
def test_one_active_value_per_single_valued_slot(memory, actions, policy):
    _run(memory, actions, policy)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(statements=st.lists(statement, min_size=1, max_size=10), policy=st.sampled_from(POLICIES))
def test_one_batch_resolves_its_statements_against_each_other(memory, statements, policy):
    scope = Scope(user_id=f"batch{next(_users)}")
    saved = memory.long_term.config.conflicts
    memory.long_term.config.conflicts = saved.model_copy(update={"default_policy": policy})
    try:
        for step, s in enumerate(statements):
            s["day"] = step  # one batch is one moment per statement, in order
        kwargs = [_kwargs(s, 0) for s in statements]
        memory.add_many(
            [f"s{i}" for i in range(len(statements))],
            scope,
            facts=[k["fact"] for k in kwargs],
            observed_at=T0,
        )
        _check_invariants(memory, scope, 0)
    finally:
        memory.long_term.config.conflicts = saved
