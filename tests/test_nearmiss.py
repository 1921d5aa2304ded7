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
from generate import Pair, check, generate  # noqa: E402

PAIRS = generate(per_template=14)
PG_SHARE = 4  # every 4th pair on PostgreSQL


def test_the_suite_is_large_and_varied():
    kinds = Counter(p.category for p in PAIRS)
    assert sum(n for k, n in kinds.items() if k != "same") >= 500
    assert set(kinds) >= {"date", "number", "name", "negation", "content", "same"}


def _run(mem: Memory, pairs: list[Pair], prefix: str) -> list[str]:
    failures = [check(mem, pair, Scope(f"{prefix}{n}")) for n, pair in enumerate(pairs)]
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
