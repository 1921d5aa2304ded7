"""A small scope's vectors are searched exactly in this process (`stores/vector_copy.py`),
and that copy answers as Chroma does: after every kind of write, and after another
`Memory` or another process wrote the same home. Real SQLite (and PostgreSQL), real Chroma.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
import uuid

import numpy as np
import pytest

from agentmem import Memory
from agentmem.adapters.embeddings import make_embedder
from agentmem.stores.vector import VectorIndex
from tests.test_contract_vector import _records

EMBED = make_embedder("hash", 16, 64)
PETS = "ferret gecko parrot tortoise hamster rabbit iguana canary".split()
PLACES = "Lisbon Tromso Cusco Nairobi Hobart Quebec Tartu Oaxaca".split()


def _texts(n: int, tag: str = "") -> list[str]:
    return [
        f"{tag}Log {i}: a {PETS[i % 8]} sighting was recorded near {PLACES[i * 3 % 8]}."
        for i in range(n)
    ]


def _agree(mem: Memory, user: str, queries: list[str], k: int = 10) -> list[list[str]]:
    """The copy's answers equal Chroma's (ids in order, cosines) for these queries;
    returns the copy's ids."""
    long_term = mem.long_term
    long_term.flush()
    vectors = long_term.embedder.embed(queries)
    with long_term.sql.begin() as conn:
        generation = long_term.sql.generations.read(conn, user)
    index = long_term.index
    copied = index.query_many(user, vectors, k, generation)
    assert index.copies._copies.get(user) is not None  # answered by the copy
    chroma = index.query_many(user, vectors, k)
    _same(copied, chroma)
    return [[i for i, _ in row] for row in copied]


def _same(copied: list, chroma: list) -> None:
    for mine, theirs in zip(copied, chroma, strict=True):
        assert [s for _, s in mine] == pytest.approx([s for _, s in theirs], abs=1e-5)
        assert _levels(mine) == _levels(theirs)


def _levels(answer: list[tuple[str, float]]) -> dict[float, set[str]]:
    """The ids at each score, but the lowest (equal scores come in either order, and the
    cut at k may take either of those tied at the bottom)."""
    levels: dict[float, set[str]] = {}
    for mid, score in answer:
        levels.setdefault(round(score, 4), set()).add(mid)
    levels.pop(min(levels, default=0.0), None)
    return levels


@pytest.fixture
def index(tmp_path):
    idx = VectorIndex(path=tmp_path / "chroma", prefix="x" + uuid.uuid4().hex[:12])
    yield idx
    idx.close()


def test_a_small_scope_answers_as_chroma_does(index):
    texts = _texts(60)
    index.upsert(_records(texts, "ann"), EMBED.embed(texts))
    queries = EMBED.embed(["a gecko in Tartu", texts[5], "Log 40 and a rabbit"])
    copied = index.query_many("ann", queries, 12, generation=0)
    chroma = index.query_many("ann", queries, 12)
    assert index.copies.held_bytes() > 0
    _same(copied, chroma)
    assert copied[1][0] == ("ann-5", pytest.approx(1.0, abs=1e-5))


class _Counting:
    """A real collection whose queries are counted."""

    def __init__(self, col) -> None:
        self._col, self.queries = col, 0

    def __getattr__(self, name):
        return getattr(self._col, name)

    def query(self, **kwargs):
        self.queries += 1
        return self._col.query(**kwargs)


def test_a_scope_over_the_bound_is_asked_of_chroma(index):
    texts = _texts(40)
    index.upsert(_records(texts, "ann"), EMBED.embed(texts))
    index.copies.max_floats = 39 * EMBED.dimension  # one vector too many
    counting = index._collections["ann"] = _Counting(index._collection("ann"))
    query = EMBED.embed(["a parrot in Lisbon"])
    answer = index.query_many("ann", query, 5, generation=0)
    assert counting.queries == 1 and index.copies.held_bytes() == 0
    _same(answer, index.query_many("ann", query, 5))


def test_a_copy_follows_this_process_writes(mem_sql):
    mem = mem_sql
    first = [mem.add(t, "ann") for t in _texts(30)]
    queries = ["a ferret in Hobart", "Log 7: tortoise sighting", "a canary near Quebec"]
    _agree(mem, "ann", queries)
    more = [mem.add(t, "ann") for t in _texts(5, tag="Later: ")]
    assert (
        more[0].id
        in _agree(mem, "ann", ["Later: Log 0: a ferret sighting was recorded near Lisbon."])[0]
    )
    mem.update(first[3].id, "Log 3 was rewritten: bees swarmed a Tartu rooftop.", "ann")
    top = _agree(mem, "ann", ["Log 3 was rewritten: bees swarmed a Tartu rooftop."] + queries)
    assert top[0][0] == first[3].id
    mem.delete(first[4].id, "ann")
    _agree(mem, "ann", queries)
    mem.add("I live in Porto.", "ann")
    mem.add("I moved to Riga.", "ann")  # supersedes the city
    _agree(mem, "ann", ["Where do I live?", "Riga", "Porto"] + queries)
    hits = mem.search("bees swarmed a Tartu rooftop", "ann", mode="semantic", top_k=3)
    assert hits[0].record.id == first[3].id


def test_a_purge_empties_the_copy(mem):
    for t in _texts(12):
        mem.add(t, "ann")
    mem.flush()
    assert mem.search("a gecko", "ann", mode="semantic")
    assert mem.long_term.index.copies._copies.get("ann") is not None
    mem.purge("ann")
    assert mem.long_term.index.copies._copies.get("ann") is None
    assert mem.search("a gecko", "ann", mode="semantic") == []
    mem.add("Log 99: one gecko.", "ann")
    assert [h.record.text for h in mem.search("a gecko", "ann", mode="semantic")] == [
        "Log 99: one gecko."
    ]


def test_another_instance_writing_the_home_is_seen(home):
    config = {"home": home, "embedding": {"model": "hash"}}
    with Memory(**config) as reader, Memory(**config) as writer:
        for t in _texts(20):
            writer.add(t, "ann")
        writer.flush()
        queries = ["a hamster in Cusco", "Log 11"]
        _agree(reader, "ann", queries)
        added = writer.add("Zanzibar lighthouse keeper with seven cats.", "ann")
        changed = writer.add("Log 2: a ferret sighting near Lisbon, seen again.", "ann")
        writer.flush()
        top = _agree(reader, "ann", ["Zanzibar lighthouse keeper with seven cats."] + queries)
        assert top[0][0] == added.id
        hits = reader.search("Zanzibar lighthouse keeper", "ann", mode="semantic", top_k=1)
        assert hits[0].record.id == added.id
        assert changed.id


def test_another_process_writing_the_home_is_seen(home, chroma_server):
    """Through a Chroma server: embedded Chroma's reader in one process never sees another
    process's vectors (queries answer without them, reads of their ids fail)."""
    chroma = {"host": chroma_server.host, "port": chroma_server.port}
    chroma["collection"] = "x" + uuid.uuid4().hex[:12]
    config = {"home": str(home), "embedding": {"model": "hash"}, "chroma": chroma}
    with Memory(**config) as reader:
        for t in _texts(20):
            reader.add(t, "ann")
        _agree(reader, "ann", ["a parrot in Nairobi"])
        script = f"""
            from agentmem import Memory
            with Memory(**{config!r}) as m:
                m.long_term.index.query_many("ann", m.long_term.embedder.embed(["x"]), 3, 0)
                print(m.add("Orbital gardener growing basil in a greenhouse.", "ann").id)
                m.update(m.search("Log 6", "ann", top_k=1)[0].record.id,
                         "Log 6 was replaced by an axolotl sighting.", "ann")
        """
        done = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(script)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        added = done.stdout.strip().splitlines()[-1]
        queries = ["Orbital gardener growing basil in a greenhouse.", "axolotl sighting replaced"]
        top = _agree(reader, "ann", queries + ["a parrot in Nairobi"])
        assert top[0][0] == added
        hits = reader.search("axolotl", "ann", mode="semantic", top_k=1)
        assert "axolotl" in hits[0].record.text


def test_a_copy_is_loaded_once_per_generation(mem):
    for t in _texts(15):
        mem.add(t, "ann")
    mem.flush()
    mem.search("a gecko", "ann")
    copies = mem.long_term.index.copies
    held = copies._copies["ann"]
    mem.search("a canary", "ann")
    assert copies._copies["ann"] is held  # no reload while the generation holds
    with mem.long_term.sql.begin() as conn:
        mem.long_term.sql.generations.bump(conn, ["ann"])  # as another writer would
    mem.search("a canary", "ann")
    assert copies._copies["ann"] is not held
    assert np.allclose(copies._copies["ann"].matrix, held.matrix)


def _loader(n: int, dim: int = 8, seed: int = 0):
    rng = np.random.default_rng(seed)
    ids, matrix = [f"m{i}" for i in range(n)], rng.normal(size=(n, dim)).astype(np.float32)
    return lambda: (ids, matrix)


def test_copies_are_bounded_by_bytes_least_recently_used_out():
    from agentmem.stores.vector_copy import ExactCopies

    one = 10 * 8 * 4 + 10 * 100  # ten vectors of 8 floats and their ids
    copies = ExactCopies(max_bytes=2 * one)
    query = np.ones((1, 8), dtype=np.float32)
    for user in ("a", "b"):
        assert len(copies.search(user, 1, query, 3, _loader(10))[0]) == 3
    copies.search("a", 1, query, 3, _loader(10))  # "a" used last: "b" goes first
    copies.search("c", 1, query, 3, _loader(10))
    assert set(copies._copies) == {"a", "c"} and copies.held_bytes() == 2 * one


def test_a_bump_by_another_writer_between_is_not_taken_for_this_one():
    from agentmem.stores.vector_copy import ExactCopies

    copies = ExactCopies()
    query = np.ones((1, 8), dtype=np.float32)
    copies.search("a", 5, query, 3, _loader(10))
    copies.upsert("a", ["new"], np.ones((1, 8), dtype=np.float32))
    copies.advanced("a", 5, 6)  # this process's bump, nobody else's between
    assert copies._copies["a"].generation == 6 and "new" in copies._copies["a"].ids
    copies.advanced("a", 7, 8)  # another writer bumped to 7 first
    assert "a" not in copies._copies


def test_a_conflict_lookup_reads_the_copy_and_sees_a_just_written_note(mem):
    """The resolver's neighbour read (`facts/lookups.py`) takes the scope's generation as a
    search does: answered by the copy, never by Chroma's query, and a note written a moment
    ago (queued for the index, then in it) is among the nearest."""
    from agentmem.facts import lookups
    from agentmem.stores.sql import MemoryQuery

    for t in _texts(12):
        mem.add(t, "ann")
    mem.flush()
    long_term = mem.long_term
    index = long_term.index
    counting = index._collections["ann"] = _Counting(index._collection("ann"))
    query = MemoryQuery(user_id="ann", kinds=["note"])
    text = "The harbour crane in Valparaiso was repainted bright orange on Tuesday."
    vector = long_term.embedder.embed(["Valparaiso's harbour crane got orange paint Tuesday."])

    written = mem.add(text, "ann")
    (near,) = lookups.nearest_of_kind(long_term, query, vector)
    assert near[0][0].id == written.id
    mem.flush()  # in the index now, its generation bumped: the copy follows
    (near,) = lookups.nearest_of_kind(long_term, query, vector)
    assert near[0][0].id == written.id
    assert counting.queries == 0
    assert index.copies._copies.get("ann") is not None


def test_a_write_landing_while_another_is_merged_is_kept(monkeypatch):
    """An upsert builds its matrix outside the lock searches take; a write installed in the
    meantime is merged into, never overwritten."""
    from agentmem.stores import vector_copy
    from agentmem.stores.vector_copy import ExactCopies

    copies = ExactCopies()
    query = np.ones((1, 8), dtype=np.float32)
    copies.search("a", 1, query, 3, _loader(10))
    real, landed = vector_copy._merged, []

    def merged_while_another_lands(copy, ids, fresh):
        if not landed:
            landed.append(True)
            copies.upsert("a", ["other"], np.full((1, 8), 2.0, dtype=np.float32))
        return real(copy, ids, fresh)

    monkeypatch.setattr(vector_copy, "_merged", merged_while_another_lands)
    copies.upsert("a", ["mine"], np.ones((1, 8), dtype=np.float32))
    held = copies._copies["a"]
    assert {"mine", "other"} <= set(held.ids) and len(held.ids) == 12
    assert held.matrix.shape == (12, 8) and copies.held_bytes() == held.nbytes


class _Lagging:
    """A collection whose `get` returns ids without all their vectors, as a Chroma server
    did while three processes wrote it (the vectors lag the ids)."""

    name = "lagging"
    configuration_json = {"hnsw": {"space": "cosine"}}

    def __init__(self, embeddings: list) -> None:
        self.embeddings = embeddings

    def count(self) -> int:
        return 3

    def get(self, include: list[str]) -> dict:
        return {"ids": ["a", "b", "c"], "embeddings": self.embeddings}


@pytest.mark.parametrize("embeddings", [[], [[1.0, 0.0, 0.0, 0.0]], None])
def test_ids_without_their_vectors_give_no_copy(index, embeddings):
    """No copy is made from an answer missing vectors: the search asks the index instead
    of failing on a matrix without rows or columns."""
    assert index._copy_source(_Lagging(embeddings), 4) is None
    whole = [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]]
    ids, matrix = index._copy_source(_Lagging(whole), 4)
    assert ids == ["a", "b", "c"] and matrix.shape == (3, 4)


class _CountingReads:
    """A real collection whose count and get calls are counted."""

    def __init__(self, col) -> None:
        self._col, self.counts, self.gets = col, 0, 0

    def __getattr__(self, name):
        return getattr(self._col, name)

    def count(self) -> int:
        self.counts += 1
        return self._col.count()

    def get(self, **kwargs):
        self.gets += 1
        return self._col.get(**kwargs)


def _renumbered(records: list, start: int) -> list:
    return [
        dataclasses.replace(r, id=f"{r.scope.user_id}-{start + i}") for i, r in enumerate(records)
    ]


def test_a_small_scope_is_reloaded_in_one_read(index):
    """A scope this process last loaded well under the bound is loaded again, at its next
    generation, by one read (no count), and the copy still answers as Chroma does."""
    texts = _texts(30)
    index.upsert(_records(texts, "bea"), EMBED.embed(texts))
    counting = index._collections["bea"] = _CountingReads(index._collection("bea"))
    query = EMBED.embed(["an iguana near Hobart"])
    index.query_many("bea", query, 5, generation=0)
    assert (counting.counts, counting.gets) == (1, 1)
    more = _texts(6, "later ")
    index.upsert(_renumbered(_records(more, "bea"), 30), EMBED.embed(more))
    index.query_many("bea", query, 5, generation=1)  # as after another process's write
    assert (counting.counts, counting.gets) == (1, 2)
    _same(index.query_many("bea", query, 5, generation=1), index.query_many("bea", query, 5))


def test_a_scope_grown_over_the_bound_since_its_last_load_is_asked_of_chroma(index):
    """The one read of a scope loaded small before tells a scope now over the bound too:
    no copy, the query asked of Chroma, as with a count."""
    texts = _texts(20)
    index.upsert(_records(texts, "cid"), EMBED.embed(texts))
    query = EMBED.embed(["a canary in Oaxaca"])
    index.query_many("cid", query, 5, generation=0)
    index.copies.max_floats = 45 * EMBED.dimension  # the first load was under half of it
    more = _texts(30, "later ")
    index.upsert(_renumbered(_records(more, "cid"), 20), EMBED.embed(more))
    index.copies.forget("cid")  # as when another process wrote them
    counting = index._collections["cid"] = _Counting(index._collection("cid"))
    answer = index.query_many("cid", query, 5, generation=1)
    assert counting.queries == 1 and index.copies.held_bytes() == 0
    _same(answer, index.query_many("cid", query, 5))


def test_unit_rows_and_cosines_are_those_of_numpys_own_norm_bit_for_bit():
    """Rows of any length (tiny, huge, zero, one, many) come out as `np.linalg.norm`
    would make them, and the nearest are those a plain sort of the cosines gives."""
    from agentmem.stores.vector_copy import Copy, nearest, unit_rows

    rng = np.random.default_rng(5)
    for scale in (1e-30, 1e-3, 1.0, 7.5, 1e15):
        rows = (rng.normal(size=(6, 33)) * scale).astype(np.float32)
        rows[2] = 0.0
        want = np.array(rows, dtype=np.float32)
        want /= np.maximum(np.linalg.norm(want, axis=1, keepdims=True), 1e-12)
        assert unit_rows(rows).tobytes() == want.tobytes()
    matrix = unit_rows(rng.normal(size=(40, 33)))
    ids = tuple(f"m{i}" for i in range(40))
    query = rng.normal(size=(2, 33))
    sims = np.clip(unit_rows(query) @ matrix.T, 0.0, 1.0)
    for k in (1, 7, 40, 90):
        got = nearest(Copy(1, ids, matrix), query, k)
        for row, hits in zip(sims, got, strict=True):
            order = sorted(range(40), key=lambda i: -row[i])[:k]  # stable, as argsort's
            assert [(ids[i], float(row[i])) for i in order] == hits
