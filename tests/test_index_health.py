"""Index health tells the truth: a vector lost behind agentmem's back, a stray one, or one
the index holds but cannot return are found by comparing SQL with the index id by id (the
counts can match), reported by stats, and repaired from SQL; open repairs lost ids too.
SQLite and PostgreSQL."""

from __future__ import annotations

import numpy as np
import pytest

from agentmem import Memory
from agentmem.report import collect_stats

TEXTS = [
    "the kiln reaches 1240 degrees",
    "glaze batches are mixed on Fridays",
    "Noor throws porcelain on the wheel",
    "the studio key hangs by the door",
    "clay is reclaimed in the slop bucket",
]


@pytest.fixture(params=["sqlite", "postgresql"])
def config(request, tmp_path):
    cfg = {"home": tmp_path / "h", "embedding": {"model": "hash"}}
    if request.param == "postgresql":
        cfg["database_url"] = request.getfixturevalue("pg_url")
    return cfg


def _collection(mem: Memory, user: str):
    return mem.long_term.index._collection(user)


def _finds(mem: Memory, user: str, text: str) -> bool:
    hits = mem.search(text, user, mode="semantic", top_k=len(TEXTS))
    return text in [h.record.text for h in hits]


def test_a_lost_and_a_stray_vector_with_equal_counts(config):
    with Memory(**config) as mem:
        records = [mem.add(t, "noor") for t in TEXTS]
        col = _collection(mem, "noor")
        lost = records[2]
        col.delete(ids=[lost.id])
        col.upsert(ids=["not-in-sql"], embeddings=np.ones((1, 384), dtype=np.float32))
        assert col.count() == len(TEXTS)  # the count alone looks healthy
        assert not _finds(mem, "noor", lost.text)

        found = collect_stats(mem)["index"]
        assert found["healthy"] is False
        assert (found["missing"], found["stray"]) == (1, 1)
        assert found["repaired"] >= 2
        assert collect_stats(mem)["index"]["healthy"] is True
        assert _finds(mem, "noor", lost.text)
        assert "not-in-sql" not in mem.long_term.index.ids("noor")


def test_a_vector_held_but_not_retrievable_is_rewritten(config):
    with Memory(**config) as mem:
        records = [mem.add(t, "ines") for t in TEXTS]
        broken = records[4]
        col = _collection(mem, "ines")
        col.upsert(ids=[broken.id], embeddings=np.zeros((1, 384), dtype=np.float32))
        assert col.count() == len(TEXTS)

        found = collect_stats(mem, "ines")["index"]
        assert found["healthy"] is False and found["unretrievable"] == 1
        again = collect_stats(mem, "ines")["index"]
        assert again["healthy"] is True, again
        assert _finds(mem, "ines", broken.text)


def test_open_restores_ids_the_index_lost(config):
    with Memory(**config) as mem:
        records = [mem.add(t, "olek") for t in TEXTS[:3]]
        _collection(mem, "olek").delete(ids=[records[0].id])
    with Memory(**config) as mem:
        assert records[0].id in mem.long_term.index.ids("olek")
        assert _finds(mem, "olek", records[0].text)
        assert collect_stats(mem)["index"]["healthy"] is True
