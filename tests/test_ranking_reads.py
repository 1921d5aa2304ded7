"""One read for what ranking needs (`SQLStore.ranking_reads`): it must give exactly what the
two reads it replaces give -- `ranking_signals` over every id, `session_neighbours` over the
ids named `near` -- on SQLite and PostgreSQL, whatever the filter, the window and the part of
the ids that is near (none, some, all, ids the filter rejects, ids of other users, unknown
ids, repeats). And a search that uses it must answer as one that reads the old way.

The store here is a lighthouse keeper's log: watches in sessions (some with a second
keeper's agent), sessionless notes, a summary per watch, corrections and removals.
"""

from __future__ import annotations

import random

import pytest

from agentmem import Memory, Scope
from agentmem.retrieval import build_query
from agentmem.stores.search_reads import WholeRows

ENTRIES = [
    "lamp trimmed and wick replaced",
    "fog horn sounded for three hours",
    "supply boat late because of swell",
    "gull nest found on the gallery rail",
    "barometer falling fast since noon",
    "logbook ink froze in the night",
    "lens polished, two scratches noted",
    "schooner passed close to the reef",
]
KEEPERS = ["Maud", "Tobiah", None]


def _log(mem: Memory, rng: random.Random) -> dict[str, list[str]]:
    """Watches written entry by entry in turn (rows of different watches interleave), a
    few notes without a watch, then corrections, removals and a summary per watch."""
    ids: dict[str, list[str]] = {"ada": [], "bram": []}
    watches = [
        Scope(user, agent_id=agent, session_id=f"{user}-watch-{n}")
        for user in ids
        for n, agent in enumerate([None, "relief", None])
    ]
    left = {w: rng.randint(2, 6) for w in watches}
    while any(left.values()):
        for watch in [w for w in watches if left[w]]:
            keeper = rng.choice(KEEPERS)
            meta = [{"speaker": keeper}] if keeper else [{"mood": "tired"}]
            (rec,) = mem.add_many([rng.choice(ENTRIES)], watch, meta, kind="episode")
            ids[watch.user_id].append(rec.id)
            left[watch] -= 1
    for user in ids:
        ids[user] += [r.id for r in mem.add_many(["tide tables checked"], Scope(user))]
    every = [(i, Scope(u)) for u in ids for i in ids[u]]
    for mid, scope in rng.sample(every, 3):
        mem.update(mid, "corrected: the reef light was green", scope)
    for mid, scope in rng.sample(every, 3):
        mem.delete(mid, scope)
    for watch in watches:
        mem.add_many([f"summary of {watch.session_id}"], watch, kind="summary")
    with mem.long_term.sql.begin() as conn:
        rows = mem.long_term.sql.find_memories(conn, build_query(Scope("ada"), None, None))
        ids["ada"] += [r.id for r in rows]  # the corrections' new rows and the summaries
        rows = mem.long_term.sql.find_memories(conn, build_query(Scope("bram"), None, None))
        ids["bram"] += [r.id for r in rows]
    return {u: list(dict.fromkeys(v)) for u, v in ids.items()}


def _filters():
    return [
        (Scope("ada"), None),
        (Scope("bram", agent_id="relief"), None),
        (Scope("ada"), {"status": ["active", "deleted", "superseded"]}),
        (Scope("bram"), {"kind": ["episode", "summary"]}),
        (Scope("ada", session_id="ada-watch-1"), None),
    ]


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_one_read_gives_what_the_two_reads_give(tmp_path, request, database):
    config = {"database_url": request.getfixturevalue("pg_url")} if database != "sqlite" else {}
    rng = random.Random(23)
    with Memory(home=tmp_path / "m", embedding={"model": "hash"}, **config) as mem:
        ids = _log(mem, rng)
        sql = mem.long_term.sql
        compared = with_places = 0
        for scope, filters in _filters():
            query = build_query(scope, filters, None)
            own, other = ids[scope.user_id], ids["bram" if scope.user_id == "ada" else "ada"]
            asked = own + rng.sample(other, 3) + ["no-such-memory"]
            rng.shuffle(asked)
            for window in (1, 2, 3):
                for near in ([], asked[:4], asked, rng.sample(asked, len(asked) // 2)):
                    with sql.reading() as conn:
                        signals, around, places = sql.ranking_reads(
                            conn, asked + asked[:2], near, query, window
                        )
                        *whole, rows = sql.ranking_reads_whole(
                            conn, asked + asked[:2], near, query, window
                        )
                        records = sql.get_memories(conn, asked, query)
                    assert whole == [signals, around, places]
                    # the whole rows make the records a read of their own gives
                    assert sql.whole_records(rows, asked) == records
                    assert list(sql.whole_records(rows, near)) == [m for m in near if m in records]
                    with sql.begin() as conn:
                        want_signals = sql.ranking_signals(conn, asked, query)
                        want_around, want_places = sql.session_neighbours(
                            conn, [m for m in near if m in want_signals], query, window
                        )
                    assert signals == want_signals
                    assert {k: sorted(v) for k, v in around.items() if v} == {
                        k: sorted(v) for k, v in want_around.items() if v
                    }
                    # places of the near ones, less those whose signals came as their own
                    assert places == {k: v for k, v in want_places.items() if k not in want_signals}
                    compared += 1
                    with_places += sum(map(len, around.values()))
        assert compared == 5 * 3 * 4 and with_places > 200


def test_times_of_one_row_and_rows_of_one_watch_come_back_distinct_where_stored_so(mem):
    """Rows read together share parsed times and scopes where they are equal; an updated
    row's times differ and must stay its own."""
    watch = Scope("cato", session_id="night")
    first, second = mem.add_many(["beacon lit at dusk", "beacon out at dawn"], watch)
    changed = mem.update(second.id, "beacon out at first light", watch)
    with mem.long_term.sql.reading() as conn:
        got = mem.long_term.sql.get_memories(
            conn, [first.id, changed.id], build_query(Scope("cato"), None, None)
        )
    a, b = got[first.id], got[changed.id]
    assert a.created_at == first.created_at and a.valid_from == first.valid_from
    assert b.created_at == changed.created_at and b.recorded_at == changed.recorded_at
    assert a.recorded_at < b.recorded_at  # the new version keeps when it was created
    assert a.scope == b.scope == watch and a.created_at.tzinfo is not None


@pytest.mark.parametrize("seed", [3, 4])
def test_search_answers_as_it_did_with_the_two_reads(tmp_path, monkeypatch, seed):
    """Filters that drop some of the nearest memories (deleted entries, another agent's)
    let later ones into the fused list: their places are read afterwards."""
    rng = random.Random(seed)
    questions = ["reef light", "Maud fog horn", "barometer swell boat", "lens ink", "gull"]
    with Memory(home=str(tmp_path), embedding={"model": "hash"}) as mem:
        _log(mem, rng)
        mem.flush()  # both runs read one index: none of the log still queued for it
        cases = [(q, s, f) for q in questions for s, f in _filters()]
        asks = [dict(scope=s, filters=f, top_k=rng.choice([3, 10])) for _, s, f in cases]
        mem.config.search.candidates = 4  # few candidates: the filter's drops matter
        fast = [mem.search(q, explain=True, **a) for (q, *_), a in zip(cases, asks, strict=True)]

        sql = mem.long_term.sql

        def two_reads(conn, ids, near, query, window):
            signals = sql.ranking_signals(conn, ids, query)
            around, places = sql.session_neighbours(
                conn, [m for m in near if m in signals], query, window, known=signals
            )
            return signals, around, places

        def two_reads_no_rows(conn, ids, near, query, window):
            return (*two_reads(conn, ids, near, query, window), WholeRows({}, ()))

        monkeypatch.setattr(sql, "ranking_reads", two_reads)
        monkeypatch.setattr(sql, "ranking_reads_whole", two_reads_no_rows)
        slow = [mem.search(q, explain=True, **a) for (q, *_), a in zip(cases, asks, strict=True)]
    assert any(fast)
    for got, want in zip(fast, slow, strict=True):
        assert [h.record.id for h in got] == [h.record.id for h in want]
        for g, w in zip(got, want, strict=True):
            assert g.score == pytest.approx(w.score, abs=1e-6)
            assert g.explanation.keys() == w.explanation.keys()
