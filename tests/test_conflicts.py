"""Conflict detection (pure functions) and resolution through the public API."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from agentmem import ConflictStateError, Memory, NotFoundError, Scope, ValidationError
from agentmem.config import ConflictsConfig
from agentmem.facts.conflicts import (
    classify,
    decide_fact,
    describe_change,
    is_ambiguous,
    new_wins,
    normalise_value,
)
from agentmem.long_term.plans import reinforced_confidence
from agentmem.types import MemoryRecord

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def fact(
    value,
    *,
    attribute="lives_in",
    negated=False,
    day=0,
    source="user",
    confidence=0.9,
    status="active",
    user="u",
):
    at = T0 + timedelta(days=day)
    return MemoryRecord(
        id=f"{attribute}-{value}-{day}-{negated}",
        text=f"{attribute} {value}",
        scope=Scope(user_id=user),
        kind="fact",
        subject="user",
        attribute=attribute,
        value=value,
        metadata={"negated": True} if negated else {},
        source=source,
        confidence=confidence,
        valid_from=at,
        recorded_at=at,
        status=status,
    )


# --- pure functions ---------------------------------------------------------------
@pytest.mark.parametrize(
    "new, old, multi, expected",
    [
        (fact("Berlin"), fact("Berlin"), False, "duplicate"),
        (fact("the berlin"), fact("Berlin!"), False, "duplicate"),
        (fact("Kreuzberg, Berlin"), fact("Berlin"), False, "refinement"),
        (fact("Berlin"), fact("Kreuzberg, Berlin"), False, "duplicate"),
        (fact("Paris"), fact("Berlin"), False, "contradiction"),
        (fact("Paris"), fact("Berlin"), True, "independent"),
        (fact("Paris", negated=True), fact("Paris"), False, "retraction"),
        (fact("Paris anymore", negated=True), fact("Paris"), False, "retraction"),
        (fact("", negated=True), fact("Paris"), True, "retraction"),
        (fact("Rome", negated=True), fact("Paris"), False, "independent"),
        (fact("Paris"), fact("Paris", negated=True), False, "contradiction"),
        (fact("Rome"), fact("Paris", negated=True), False, "independent"),
        (fact("Rome", negated=True), fact("Paris", negated=True), False, "independent"),
    ],
)
def test_classify(new, old, multi, expected):
    assert classify(new, old, multi=multi)[0] == expected


def test_normalise_value():
    assert normalise_value("The  Acme Corp.") == "acme corp"
    assert normalise_value(None) == ""


def test_ambiguous_pairs_share_words_without_containment():
    assert is_ambiguous(fact("Acme Corp"), fact("Acme Inc"))
    assert not is_ambiguous(fact("Acme"), fact("Acme Inc"))
    assert not is_ambiguous(fact("Paris"), fact("Berlin"))


@pytest.mark.parametrize(
    "policy, new, old, wins",
    [
        ("latest_wins", fact("A", source="assistant"), fact("B"), True),
        ("source_priority", fact("A", source="assistant"), fact("B", source="user"), False),
        ("source_priority", fact("A", source="user"), fact("B", source="tool"), True),
        ("source_priority", fact("A", source="unknown"), fact("B", source="assistant"), False),
        ("highest_confidence", fact("A", confidence=0.5), fact("B", confidence=0.9), False),
        ("highest_confidence", fact("A", confidence=0.9), fact("B", confidence=0.9), True),
    ],
)
def test_policies(policy, new, old, wins):
    assert new_wins(policy, new, old, ConflictsConfig())[0] is wins


def test_reinforcement_is_monotone_and_bounded():
    c = 0.5
    for _ in range(20):
        nxt = reinforced_confidence(c, 0.9)
        assert c < nxt <= 1.0
        c = nxt


def test_out_of_order_statement_becomes_history():
    current = fact("Madrid", day=200)
    late = dataclasses.replace(fact("Seville", day=10), recorded_at=T0 + timedelta(days=300))
    decision = decide_fact(late, [current], ConflictsConfig())
    assert decision.rule == "out_of_order"
    assert decision.candidate["status"] == "superseded"
    assert decision.candidate["superseded_by"] == current.id
    assert decision.changes == []  # the current value is untouched


def test_manual_policy_holds_the_candidate():
    config = ConflictsConfig(policies={"lives_in": "manual"})
    decision = decide_fact(fact("Paris", day=5), [fact("Berlin")], config)
    assert decision.candidate["metadata"]["held"] and decision.conflict_with
    assert decision.changes == []


def test_describe_change_says_previously():
    old = dataclasses.replace(fact("Berlin"), status="superseded", valid_to=T0 + timedelta(days=10))
    text = describe_change([old, fact("Paris", day=10)])
    assert text == "Paris (since 2024-01-11; previously Berlin, 2024-01-01 to 2024-01-11)"
    assert describe_change([old]) is None


# --- through Memory ---------------------------------------------------------------
def test_text_statements_become_facts_and_supersede(mem, alice):
    berlin = mem.add("I live in Berlin", alice)
    paris = mem.add("I moved to Paris", alice)
    assert (berlin.kind, berlin.attribute, berlin.value) == ("fact", "lives_in", "Berlin")
    assert [f.value for f in mem.facts(alice)] == ["Paris"]
    old = mem.get(berlin.id, alice)
    assert (old.status, old.superseded_by, old.valid_to) == (
        "superseded",
        paris.id,
        paris.valid_from,
    )
    ops = [(e.op, e.details.get("rule")) for e in mem.history(paris.id, alice)]
    assert ops == [("ADD", "empty_slot"), ("ADD", "single_valued"), ("SUPERSEDE", "single_valued")]
    assert all(e.reason for e in mem.history(paris.id, alice))


def test_notes_with_several_or_no_facts_stay_notes(mem, alice):
    assert mem.add("I live in Berlin and I work at Siemens", alice).kind == "note"
    assert mem.add("The weather was nice today", alice).kind == "note"
    assert mem.add("I live in Rome", alice, kind="summary").kind == "summary"


def test_one_batch_sees_its_own_statements(mem, alice):
    records = mem.add_many(["I live in Berlin", "I moved to Paris", "I moved to Paris"], alice)
    assert [f.value for f in mem.facts(alice)] == ["Paris"]
    assert records[2].id == records[1].id  # the repeat reinforced the fact of the same batch
    assert mem.get(records[1].id, alice).access_count == 1


def test_explicit_fact_validation(mem, alice):
    with pytest.raises(ValidationError, match="attribute"):
        mem.add("x", alice, fact={"value": "Paris"})
    with pytest.raises(ValidationError, match="unknown fact keys"):
        mem.add("x", alice, fact={"attribute": "lives_in", "value": "Paris", "city": 1})
    with pytest.raises(ValidationError, match="source"):
        mem.add("x", alice, source="")


def test_resolve_conflict_errors(mem, alice, bob):
    mem.long_term.config.conflicts = ConflictsConfig(policies={"lives_in": "manual"})
    mem.add("I live in Quito", alice)
    mem.add("I moved to Lima", alice)
    (conflict,) = mem.conflicts(alice)
    assert "lives_in" in conflict.reason and "manual" in conflict.reason
    with pytest.raises(NotFoundError):
        mem.resolve_conflict(conflict.id, "new", bob)
    with pytest.raises(ValidationError, match="choice"):
        mem.resolve_conflict(conflict.id, "whatever", alice)
    events = mem.resolve_conflict(conflict.id, "new", alice)
    assert {e.op for e in events} == {"RESTORE", "SUPERSEDE"}
    assert all(e.details["conflict_id"] == conflict.id for e in events)
    with pytest.raises(ConflictStateError, match="already resolved"):
        mem.resolve_conflict(conflict.id, "old", alice)
    assert [c.resolution for c in mem.conflicts(alice, status=None)] == [
        f"kept {conflict.memory_ids[-1]}"
    ]


def test_restore_errors(mem, alice, bob):
    record = mem.add("I live in Berlin", alice)
    mem.delete(record.id, alice)
    delete_event = mem.history(record.id, alice)[-1]
    with pytest.raises(NotFoundError):
        mem.restore(delete_event.id, bob)
    with pytest.raises(NotFoundError):
        mem.restore("no-such-event", alice)
    mem.restore(delete_event.id, alice)
    restore_event = mem.history(record.id, alice)[-1]
    assert restore_event.op == "RESTORE" and restore_event.details["undoes"] == delete_event.id
    with pytest.raises(ConflictStateError, match="cannot be undone"):
        mem.restore(restore_event.id, alice)
    with pytest.raises(ConflictStateError, match="not deleted"):
        mem.restore(delete_event.id, alice)


class _Judge:
    """A scripted LangChain chat model (langchain-core's fake), answering in order."""

    def __new__(cls, *answers):
        from langchain_core.language_models import FakeListChatModel

        return FakeListChatModel(responses=list(answers))


def test_llm_judge_decides_ambiguous_pairs(tmp_path, alice):
    with Memory(home=tmp_path, embedding={"model": "hash"}, judge=_Judge("duplicate")) as mem:
        first = mem.add("employer", alice, fact={"attribute": "works_at", "value": "Acme Corp"})
        same = mem.add("employer", alice, fact={"attribute": "works_at", "value": "Acme Inc"})
        assert same.id == first.id
        merge = mem.history(first.id, alice)[-1]
        assert merge.op == "REINFORCE"
        assert (merge.details["rule"], merge.details["judge"]) == ("llm_judge", "llm_judge")
        # a judged duplicate whose text differs in a content word is never merged away
        other = mem.add("Acme Incorporated", alice, fact={"attribute": "works_at", "value": "Acme"})
        assert other.id != first.id and other.text == "Acme Incorporated"
        assert mem.get(other.id, alice).text == "Acme Incorporated"
        # an unambiguous contradiction never reaches the judge
        mem.add("employer", alice, fact={"attribute": "works_at", "value": "Globex"})
        assert [f.value for f in mem.facts(alice)] == ["Globex"]


def test_rules_decide_when_the_judge_rambles_or_fails(tmp_path, alice):
    with Memory(home=tmp_path, embedding={"model": "hash"}, judge=_Judge("no idea")) as mem:
        mem.add("employer", alice, fact={"attribute": "works_at", "value": "Acme Corp"})
        mem.add("employer", alice, fact={"attribute": "works_at", "value": "Acme Inc"})
        assert [f.value for f in mem.facts(alice)] == ["Acme Inc"]


def test_facts_as_of_and_history(mem, alice):
    mem.add("I live in Berlin", alice, observed_at=T0)
    mem.add("I moved to Paris", alice, observed_at=T0 + timedelta(days=30))
    assert [f.value for f in mem.facts(alice, as_of=T0 + timedelta(days=1))] == ["Berlin"]
    versions = mem.facts(alice, attribute="moved to", include_history=True)
    assert [(f.value, f.status) for f in versions] == [
        ("Berlin", "superseded"),
        ("Paris", "active"),
    ]
    assert describe_change(versions).startswith("Paris (since")
