"""A batch of memories reads the stored state once: whether a fact's text was stored
before (as a note) and what a note's neighbours are come from one same-text lookup per
batch, not one a fact. The outcome is the one a lookup per fact gave: a fact restating a
stored note reinforces that note; the others are new. Phrasings are generated here (own
seed and templates), on SQLite and PostgreSQL."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import event

from agentmem import Memory, Scope

THINGS = "kiln sundial loom lathe bellows forge quern spindle mortar trowel".split()
ROOMS = "scullery gatehouse dovecote granary smithy chapel".split()


def _statements(n: int, seed: int) -> list[tuple[str, dict]]:
    """n statements, each with the fact it states (given, so no extractor decides)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        thing, room = rng.choice(THINGS), rng.choice(ROOMS)
        text = f"The {thing} number {i} of the estate stands in the {room} since {1700 + i}."
        fact = {"subject": f"{thing} {i}", "attribute": "location", "value": room}
        out.append((text, fact))
    return out


@pytest.fixture(params=["sqlite", "postgresql"])
def config(request, tmp_path):
    cfg = {
        "home": str(tmp_path / "home"),
        "embedding": {"model": "hash"},
        "consolidation": {"extractor": "rules"},
    }
    if request.param == "postgresql":
        cfg["database_url"] = request.getfixturevalue("pg_url")
    return cfg


def _text_lookups(mem: Memory, run) -> int:
    """How many same-text reads (`lower(text) IN (...)`) `run()` issues."""
    seen = []

    def count(conn, cursor, statement, *args) -> None:
        if "lower(memories.text) IN" in statement:
            seen.append(statement)

    engine = mem.long_term.sql.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_a_batch_reads_same_texts_once_whatever_its_size(config):
    scope = Scope("estate")
    with Memory(**config) as mem:
        counts = []
        for n, seed in ((3, 1), (12, 2)):
            batch = _statements(n, seed)
            texts, facts = [t for t, _ in batch], [f for _, f in batch]
            counts.append(
                _text_lookups(mem, lambda t=texts, f=facts: mem.add_many(t, scope, facts=f))
            )
        assert counts[0] == counts[1], counts


def test_a_fact_restating_a_stored_note_reinforces_it_within_a_batch(config):
    scope = Scope("estate")
    batch = _statements(6, 3)
    with Memory(**config) as mem:
        said = "Nobody has swept the old granary floor since the harvest fair."
        note = mem.add(said, scope)
        assert note.kind == "note"
        texts = [t for t, _ in batch] + [said.upper()]
        facts = [f for _, f in batch] + [{"subject": "granary", "attribute": "state", "value": "x"}]
        records = mem.add_many(texts, scope, facts=facts)
        assert records[-1].id == note.id, "the restated text was stored again"
        assert mem.get(note.id, scope).access_count == 1
        assert len({r.id for r in records[:-1]} | {note.id}) == len(batch) + 1
        assert all(r.is_fact for r in records[:-1])
