"""add / get / update / delete / search / history / as_of through the public API."""

from datetime import UTC, datetime, timedelta

import pytest

from agentmem import ConflictStateError, Memory, NotFoundError


def test_add_get_roundtrip(mem, alice):
    record = mem.add("I live in Berlin", alice, {"source": "chat", "n": 3})
    got = mem.get(record.id, alice)
    assert got.text == "I live in Berlin"
    assert got.metadata == {"source": "chat", "n": 3}
    assert got.status == "active" and got.version == 1 and got.valid_to is None
    assert got.scope.user_id == "alice"
    assert got.created_at.tzinfo is not None


def test_identical_memory_reinforces_instead_of_duplicating(mem, alice):
    first = mem.add("My dog is called Rex", alice)
    rows = len(mem.sql("SELECT id FROM memories", alice))  # the text and the facts it states
    again = mem.add("my dog is called rex", alice)
    assert again.id == first.id
    assert mem.get(first.id, alice).access_count == 1
    assert len(mem.sql("SELECT id FROM memories", alice)) == rows
    assert [e.op for e in mem.history(first.id, alice)] == ["ADD", "REINFORCE"]


@pytest.mark.parametrize("mode", ["hybrid", "fulltext", "semantic"])
def test_search_modes_find_the_memory(mem, alice, mode):
    mem.add_many(["I live in Berlin", "My dog is called Rex", "I work as a baker"], alice)
    hits = mem.search("dog Rex", alice, mode=mode)
    assert hits and hits[0].record.text == "My dog is called Rex"
    assert all(0.0 <= h.score <= 1.0 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_explain_gives_each_signal(mem, alice):
    mem.add_many(["I live in Berlin", "My dog is called Rex"], alice)
    hit = mem.search("Berlin", alice, explain=True)[0]
    parts = hit.explanation
    assert set(parts) >= {"fulltext", "semantic", "recency", "importance"}
    assert parts["fulltext_rank"] == 1.0
    total = parts["fulltext"] + parts["semantic"] + parts["recency"] + parts["importance"]
    assert total == pytest.approx(hit.score)
    assert mem.search("Berlin", alice)[0].explanation is None


def test_recency_and_importance_terms(home, alice):
    with Memory(home=home, embedding={"model": "hash"}, search={"importance_weight": 0.5}) as mem:
        mem.add("note about apples", alice, importance=0.1)
        mem.add("another note about apples", alice, importance=0.9)
        hits = mem.search("apples", alice, explain=True)
        assert hits[0].record.importance == 0.9
        assert hits[0].explanation["importance"] == pytest.approx(0.45)


def test_filters_on_kind_metadata_and_time(mem, alice):
    mem.add("tea in the morning", alice, {"topic": "drinks"})
    mem.add("tea with friends", alice, {"topic": "social"}, kind="summary")
    assert [h.record.text for h in mem.search("tea", alice, filters={"kind": "summary"})] == [
        "tea with friends"
    ]
    hits = mem.search("tea", alice, filters={"metadata": {"topic": "drinks"}})
    assert [h.record.text for h in hits] == ["tea in the morning"]
    future = datetime.now(UTC) + timedelta(days=1)
    assert mem.search("tea", alice, filters={"created_after": future}) == []
    assert len(mem.search("tea", alice, filters={"created_before": future.isoformat()})) == 2


def test_update_keeps_history_and_as_of(mem, alice):
    record = mem.add("I live in Berlin", alice)
    before = datetime.now(UTC)
    updated = mem.update(record.id, "I live in Paris", alice)
    assert updated.id == record.id and updated.version == 2 and updated.text == "I live in Paris"
    assert [h.record.text for h in mem.search("live", alice)] == ["I live in Paris"]
    past = [h.record.text for h in mem.search("live", alice, as_of=before)]
    assert past == ["I live in Berlin"]
    assert mem.get(record.id, alice, as_of=before).text == "I live in Berlin"
    ops = [(e.op, e.old_text, e.new_text) for e in mem.history(record.id, alice)]
    assert ops == [
        ("ADD", None, "I live in Berlin"),
        ("UPDATE", "I live in Berlin", "I live in Paris"),
    ]


def test_delete_is_soft(mem, alice):
    record = mem.add("I live in Berlin", alice)
    before = datetime.now(UTC)
    mem.delete(record.id, alice)
    assert mem.search("Berlin", alice) == []
    assert mem.get(record.id, alice).status == "deleted"
    assert [h.record.id for h in mem.search("Berlin", alice, as_of=before)] == [record.id]
    assert [e.op for e in mem.history(record.id, alice)] == ["ADD", "DELETE"]
    with pytest.raises(ConflictStateError, match="restore it"):
        mem.update(record.id, "I live in Rome", alice)


def test_unknown_id_is_not_found(mem, alice):
    with pytest.raises(NotFoundError, match="no memory 'nope'"):
        mem.get("nope", alice)


def test_persists_across_reopen(home, alice):
    with Memory(home=home, embedding={"model": "hash"}) as mem:
        record = mem.add("I keep bees in the garden", alice)
    with Memory(home=home, embedding={"model": "hash"}) as mem:
        assert mem.get(record.id, alice).text == "I keep bees in the garden"
        assert mem.search("bees", alice, mode="semantic")[0].record.id == record.id


def test_real_minilm_semantic_search(home, alice, minilm):
    with Memory(home=home, embedder=minilm) as mem:
        sister, *_ = mem.add_many(
            ["My sister Anna lives in Lisbon", "I had pasta for lunch", "The train was late again"],
            alice,
        )
        hits = mem.search("Where does my sibling live?", alice, mode="semantic")
        # the text, or one of the facts it states (it states two: Anna's home, the sibling)
        top = hits[0].record
        assert sister.id in (top.id, top.metadata.get("derived_from")), top.text
