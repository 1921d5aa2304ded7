"""Adds from many threads at once: their vector writes are batched by the background index
writer after each SQL commit. Once `flush()` returns, every acknowledged memory must be in
the vector index and found by meaning (a reworded question, semantic search only), on
SQLite and PostgreSQL. The statements and questions come from their own generator (seeded
here), not from any benchmark's texts."""

from __future__ import annotations

import random
import threading
from collections import Counter

import pytest

from agentmem import Memory, Scope

THREADS, PER_THREAD = 5, 8
SYLLABLES = "ka lo mir tes ul vra zen dor fi gal hup nix ost pra quel ru".split()
NOUNS = (
    "violin telescope kayak anvil saxophone hammock compass typewriter lantern tricycle "
    "harmonica microscope canoe sextant accordion chessboard"
).split()
PLACES = (
    "attic garage basement greenhouse lighthouse barn cellar workshop boathouse loft "
    "pantry shed studio tower cabin vault"
).split()


def _people(n: int, rng: random.Random) -> list[tuple[str, str, str]]:
    """n statements' parts: an invented name each, a thing and a place, no thing or place
    in more than three statements (a question names a thing: its answer is in the top 3)."""
    names: set[str] = set()
    while len(names) < n:
        names.add("".join(rng.sample(SYLLABLES, 3)).capitalize())
    pairs = [(noun, place) for noun in NOUNS for place in PLACES]
    rng.shuffle(pairs)
    uses: Counter[str] = Counter()
    chosen = []
    for noun, place in pairs:
        if uses[noun] < 3 and uses[place] < 3:
            chosen.append((noun, place))
            uses.update([noun, place])
    assert len(chosen) >= n
    return [(name, *pair) for name, pair in zip(sorted(names), chosen, strict=False)]


@pytest.fixture(params=["sqlite", "postgresql"])
def config(request, tmp_path):
    cfg = {"home": str(tmp_path / "home"), "consolidation": {"extractor": "rules"}}
    if request.param == "postgresql":
        cfg["database_url"] = request.getfixturevalue("pg_url")
    return cfg


def test_concurrent_adds_are_each_found_by_meaning_after_flush(config, minilm):
    rng = random.Random(20261130)
    parts = _people(THREADS * PER_THREAD, rng)
    scope = Scope("index-writes")
    acknowledged: dict[int, str] = {}
    errors: list[str] = []
    start = threading.Barrier(THREADS)

    def writer(worker: int) -> None:
        start.wait()
        try:
            for i in range(worker * PER_THREAD, (worker + 1) * PER_THREAD):
                name, noun, place = parts[i]
                record = mem.add(f"{name} keeps an old {noun} up in the {place}.", scope)
                acknowledged[i] = record.id
        except Exception as exc:  # any error reaching a caller fails the test
            errors.append(f"{worker}: {type(exc).__name__}: {exc}")

    with Memory(**config, embedder=minilm) as mem:
        threads = [threading.Thread(target=writer, args=(w,)) for w in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        assert len(acknowledged) == len(parts)
        mem.flush()
        indexed = mem.long_term.index.ids(scope.user_id)
        assert set(acknowledged.values()) <= indexed, "an acknowledged memory is not indexed"
        missed = []
        for i, memory_id in acknowledged.items():
            name, noun, place = parts[i]
            hits = mem.search(f"Where does {name} store the {noun}?", scope, mode="semantic")
            found = {h.record.id for h in hits[:3]}
            found |= {h.record.metadata.get("derived_from") for h in hits[:3]}
            if memory_id not in found:
                missed.append((parts[i], [h.record.text for h in hits[:3]]))
        assert not missed, missed
