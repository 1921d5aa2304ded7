"""Nothing acknowledged is merged away: >= 500 generated near-miss pairs (dates, numbers,
names, places, negations, content words) stay two memories, each returned for its own add;
true duplicates in other surface forms merge. On SQLite (every pair) and PostgreSQL (a
stratified subset), with the bundled MiniLM embedder and the default extractor.

The pairs come from `nearmiss/templates.yaml` through a seeded generator, written apart
from the code under test."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

from agentmem import Memory, Scope

sys.path.insert(0, str(Path(__file__).parent / "nearmiss"))
from generate import Pair, generate  # noqa: E402

PAIRS = generate(per_template=14)
PG_SHARE = 4  # every 4th pair on PostgreSQL


def test_the_suite_is_large_and_varied():
    kinds = Counter(p.category for p in PAIRS)
    assert sum(n for k, n in kinds.items() if k != "same") >= 500
    assert set(kinds) >= {"date", "number", "name", "negation", "content", "same"}


def _check(mem: Memory, pair: Pair, scope: Scope) -> str | None:
    """What went wrong with one pair, or None."""
    a = mem.add(pair.first, scope)
    b = mem.add(pair.second, scope)
    texts = {r["text"] for r in mem.sql("SELECT text FROM memories", scope)}
    if pair.should_merge:
        merged = b.id == a.id and len([t for t in texts if t in (pair.first, pair.second)]) == 1
        return None if merged else f"not merged: {pair.first!r} / {pair.second!r}"
    if b.id == a.id or b.text != pair.second or a.text != pair.first:
        return f"{pair.category}: add returned another memory: {pair.first!r} / {pair.second!r}"
    if not {pair.first, pair.second} <= texts:
        return f"{pair.category}: a text was not stored: {pair.first!r} / {pair.second!r}"
    absorbed = [e for e in mem.history(a.id, scope) if e.op in ("MERGE", "REINFORCE")]
    if absorbed:
        return f"{pair.category}: silently merged: {pair.first!r} / {pair.second!r}"
    return None


def _run(mem: Memory, pairs: list[Pair], prefix: str) -> list[str]:
    failures = [_check(mem, pair, Scope(f"{prefix}{n}")) for n, pair in enumerate(pairs)]
    return [f for f in failures if f]


def test_no_silent_merges_on_sqlite(tmp_path, minilm):
    with Memory(home=tmp_path, embedder=minilm) as mem:
        failures = _run(mem, PAIRS, "sqlite")
    assert not failures, f"{len(failures)} of {len(PAIRS)} pairs failed:\n" + "\n".join(
        failures[:40]
    )


@pytest.mark.slow
def test_no_silent_merges_on_postgres(tmp_path, minilm, pg_url):
    pairs = PAIRS[::PG_SHARE]
    with Memory(home=tmp_path, embedder=minilm, database_url=pg_url) as mem:
        failures = _run(mem, pairs, "pg")
    assert not failures, f"{len(failures)} of {len(pairs)} pairs failed:\n" + "\n".join(
        failures[:40]
    )
