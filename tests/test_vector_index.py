"""The vector index is derived from SQL: repaired on open, rebuilt by reindex()."""

import shutil

from agentmem import Memory


def _semantic_ids(mem, query, scope):
    return {h.record.id for h in mem.search(query, scope, mode="semantic")}


def test_rows_missing_from_the_index_are_repaired_on_open(home, alice):
    with Memory(home=home, embedding={"model": "hash"}) as mem:
        kept = mem.add("I grow tomatoes on the balcony", alice)
        lost = mem.add("I collect vinyl records", alice)
        mem.long_term.index.delete("alice", [lost.id])  # as if the process died before indexing
        with mem.long_term.sql.begin() as conn:
            from sqlalchemy import update

            from agentmem.stores.schema import memories

            conn.execute(update(memories).where(memories.c.id == lost.id).values(index_dirty=True))
        assert lost.id not in _semantic_ids(mem, "vinyl records", alice)
    with Memory(home=home, embedding={"model": "hash"}) as mem:
        assert lost.id in _semantic_ids(mem, "vinyl records", alice)
        assert kept.id in _semantic_ids(mem, "tomatoes balcony", alice)


def test_lost_index_directory_is_rebuilt(home, alice, bob):
    with Memory(home=home, embedding={"model": "hash"}) as mem:
        a = mem.add("I collect vinyl records", alice)
        b = mem.add("I collect stamps", bob)
    shutil.rmtree(home / "chroma")
    with Memory(home=home, embedding={"model": "hash"}) as mem:
        assert a.id in _semantic_ids(mem, "vinyl", alice)
        assert _semantic_ids(mem, "stamps", bob) == {b.id}
        assert mem.long_term.index.total() == 2


def test_reindex_rebuilds_everything(mem, alice, bob):
    mem.add_many(["one fact", "two facts", "three facts"], alice)
    mem.add("bob's fact", bob)
    mem.long_term.index.drop_all()
    assert mem.search("facts", alice, mode="semantic") == []
    assert mem.reindex() == 4
    assert len(mem.search("facts", alice, mode="semantic")) == 3
    assert {h.record.text for h in mem.search("fact", bob, mode="semantic")} == {"bob's fact"}


def test_index_failure_keeps_the_write_and_repairs_later(mem, alice, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("index down")

    monkeypatch.setattr(mem.long_term.index, "upsert", broken)
    record = mem.add("I swim every Tuesday", alice)
    mem.long_term.flush()
    assert "vector index update failed" in caplog.text
    assert mem.get(record.id, alice).text == "I swim every Tuesday"
    monkeypatch.undo()
    assert mem.long_term.repair() == 1
    assert record.id in _semantic_ids(mem, "swim Tuesday", alice)
