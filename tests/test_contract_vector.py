"""The vector index's contract, run against embedded Chroma and a Chroma server alike.

The server comes from the session's `chroma run` (tests/servers.py); each test uses its own
collection prefix so tests never see each other's collections.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import numpy as np
import pytest

from agentmem import Memory
from agentmem.adapters.embeddings import make_embedder
from agentmem.stores import protocols
from agentmem.stores.vector import VectorIndex
from agentmem.types import MemoryRecord, Scope


@pytest.fixture(params=["embedded", "server"])
def where(request, tmp_path):
    """Keyword arguments that open the index (and a Memory's chroma config) of each kind."""
    prefix = "t" + uuid.uuid4().hex[:12]
    if request.param == "embedded":
        return {"path": tmp_path / "chroma", "prefix": prefix}
    server = request.getfixturevalue("chroma_server")
    return {"host": server.host, "port": server.port, "prefix": prefix}


@pytest.fixture
def index(where):
    idx = VectorIndex(**where)
    yield idx
    idx.drop_all()
    idx.close()


EMBED = make_embedder("hash", 16, 64)


def test_the_backend_implements_the_index_protocol(index):
    assert isinstance(index, protocols.VectorStore)
    assert protocols.mismatches(index, protocols.VectorStore) == []


def _records(texts, user="alice", **kw):
    now = datetime.now(UTC)
    return [
        MemoryRecord(
            id=f"{user}-{i}",
            text=t,
            scope=Scope(user),
            created_at=now,
            updated_at=now,
            valid_from=now,
            recorded_at=now,
            **kw,
        )
        for i, t in enumerate(texts)
    ]


def test_upsert_query_and_count(index):
    texts = ["I grow tomatoes", "I collect vinyl records", "My cat is grey"]
    records = _records(texts)
    index.upsert(records, EMBED.embed(texts))
    hits = index.query("alice", EMBED.embed_query("vinyl records"), 3)
    assert hits[0][0] == "alice-1"
    assert all(0.0 <= s <= 1.0 for _, s in hits)
    assert index.count("alice") == 3 and index.ids("alice") == {r.id for r in records}
    index.upsert(records[:1], EMBED.embed(["I grow tomatoes"]))  # upsert: no duplicate
    assert index.count("alice") == 3 and index.total() == 3


def test_users_are_separate_collections(index):
    a, b = _records(["same words"], "alice"), _records(["same words"], "bob")
    index.upsert(a + b, EMBED.embed(["same words", "same words"]))
    assert [i for i, _ in index.query("alice", EMBED.embed_query("same words"), 10)] == ["alice-0"]
    assert [i for i, _ in index.query("bob", EMBED.embed_query("same words"), 10)] == ["bob-0"]
    assert index.query("carol", EMBED.embed_query("same words"), 10) == []
    index.drop_user("alice")
    assert index.count("alice") == 0 and index.count("bob") == 1


def test_status_metadata_follows_updates_and_queries_return_every_status(index):
    records = _records(["old address", "new address"])
    index.upsert(records, EMBED.embed([r.text for r in records]))
    records[0].status = "superseded"
    index.update_metadata(records[:1])
    assert index.statuses("alice") == {"alice-0": "superseded", "alice-1": "active"}
    vector = EMBED.embed_query("address")
    assert {i for i, _ in index.query("alice", vector, 5)} == {"alice-0", "alice-1"}


def test_delete_and_drop_all(index):
    records = _records(["one", "two", "three"])
    index.upsert(records, EMBED.embed(["one", "two", "three"]))
    index.delete("alice", ["alice-0"])
    assert index.ids("alice") == {"alice-1", "alice-2"}
    index.delete("nobody", ["x"])  # unknown user: nothing to do
    index.drop_all()
    assert index.total() == 0 and index.query("alice", EMBED.embed_query("two"), 3) == []


def test_many_vectors_in_one_upsert(index):
    texts = [f"memory number {i}" for i in range(600)]
    index.upsert(_records(texts), np.asarray(EMBED.embed(texts)))
    assert index.count("alice") == 600
    assert index.query("alice", EMBED.embed_query("memory number 17"), 1)[0][0] == "alice-17"


def test_memory_on_each_index_kind_repairs_and_reindexes(where, tmp_path, alice):
    chroma = {k: v for k, v in where.items() if k != "prefix"} | {"collection": where["prefix"]}
    config = {"home": tmp_path / "home", "embedding": {"model": "hash"}, "chroma": chroma}
    with Memory(**config) as mem:
        kept = mem.add("I grow tomatoes on the balcony", alice)
        lost = mem.add("I collect vinyl records", alice)
        mem.long_term.index.delete("alice", [lost.id])
        from sqlalchemy import update

        from agentmem.stores.schema import memories

        with mem.long_term.sql.begin() as conn:
            conn.execute(update(memories).where(memories.c.id == lost.id).values(index_dirty=True))
    with Memory(**config) as mem:  # reopen: repaired from SQL
        ids = {h.record.id for h in mem.search("vinyl records", alice, mode="semantic")}
        assert lost.id in ids
        assert mem.reindex() == 2
        assert kept.id in {h.record.id for h in mem.search("tomatoes", alice, mode="semantic")}
        mem.long_term.index.drop_all()
