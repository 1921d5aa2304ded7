"""A search's reads run on SQLite's own cursor (`stores/prepared.py`) must return what the
same statements return through SQLAlchemy: the same rows, with times, JSON and booleans
converted alike, for filters that bind times (as of, created after/before), kinds,
statuses, sessions and agents, and for queries run again with other values."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from agentmem import Memory
from agentmem.stores import prepared
from agentmem.stores.search_reads import SearchReads
from agentmem.stores.sql_query import MemoryQuery
from agentmem.types import Scope, utcnow

WORDS = "heron tulip granite violin pepper canal saddle orchard cobalt ember".split()


def _fill(mem: Memory, rng: random.Random) -> list[str]:
    ids = []
    for user in ("ines", "joao"):
        for session in ("s1", "s2", None):
            scope = Scope(user, agent_id=rng.choice([None, "scribe"]), session_id=session)
            texts = [" ".join(rng.sample(WORDS, 3)) + f" {i}" for i in range(7)]
            meta = [rng.choice([{"speaker": "Lia"}, {"mood": "calm"}, {}]) for _ in texts]
            kind = rng.choice(["episode", "note"])
            ids += [r.id for r in mem.add_many(texts, scope, meta, kind=kind)]
    mem.flush()
    return ids


def _queries(rng: random.Random) -> list[MemoryQuery]:
    now = utcnow()
    out = []
    for _ in range(12):
        q = MemoryQuery(user_id=rng.choice(["ines", "joao"]), agent_id=rng.choice([None, "scribe"]))
        pick = rng.randrange(5)
        if pick == 0:
            q.as_of = now + timedelta(minutes=1)
        elif pick == 1:
            q.created_after = now - timedelta(days=1)
            q.created_before = now + timedelta(days=1)
        elif pick == 2:
            q.kinds = rng.choice([["episode"], ["episode", "note"]])
        elif pick == 3:
            q.session_id = rng.choice(["s1", "s2"])
        else:
            q.statuses = ["active", "superseded"]
        out.append(q)
    return out


def _reads(conn, reads: SearchReads, ids: list[str], q: MemoryQuery, text: str):
    return (
        reads.signals(conn, ids, q),
        reads.neighbours(conn, ids, q, 2),
        reads.ranking(conn, ids, ids[:6], q, 2),
        reads.fulltext(conn, text, q, 20),
        {k: tuple(v) for k, v in reads.records(conn, ids, q, lambda r: r).items()},
    )


@pytest.mark.parametrize("seed", [5, 6])
def test_prepared_reads_return_what_sqlalchemy_returns(tmp_path, monkeypatch, seed):
    rng = random.Random(seed)
    with Memory(home=str(tmp_path), embedding={"model": "hash"}) as mem:
        ids = _fill(mem, rng)
        asks = [(rng.sample(ids, 15), q, " ".join(rng.sample(WORDS, 2))) for q in _queries(rng)]
        sql, fast = mem.long_term.sql, SearchReads()
        with sql.begin() as conn:
            got = [_reads(conn, fast, *ask) for ask in asks]
        with monkeypatch.context() as patch:
            patch.setattr(prepared, "prepare", lambda stmt, dialect: prepared.Direct(stmt))
            slow = SearchReads()
            with sql.begin() as conn:
                expected = [_reads(conn, slow, *ask) for ask in asks]
    kinds = {type(v).__name__ for k, v in fast._cache.items() if k[0] == "prepared"}
    assert kinds == {"Prepared"}  # the raw path ran, not SQLAlchemy's
    assert {type(v).__name__ for k, v in slow._cache.items() if k[0] == "prepared"} == {"Direct"}
    assert got == expected
    assert any(sig for sig, *_ in got) and any(rows for *_, rows in got)
    times = [when for sig, *_ in got for when, _, _ in sig.values()]
    assert times and all(t.tzinfo is not None for t in times)
