"""The session-neighbour read of a search (`session_neighbours`): for each memory said in
a session, the turns up to `window` places before and after it among the rows the
search's filter admits, in insertion order, with their ranking signals. Checked against
the definition computed in Python from every row of the table in insertion order, for
turns at a session's start, end and middle, with sessions interleaved across users and
agents, updated and deleted turns and summaries between them; SQLite and PostgreSQL.
"""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from agentmem import Memory, Scope
from agentmem.retrieval import build_query
from agentmem.stores.schema import memories

PLACES = ["the ferry pier", "a bakery", "the archive", "her garden", "the night market"]
THINGS = ["a brass compass", "quince jam", "old maps", "seedlings", "a paper lantern"]
SPEAKERS = ["Odile", "Pim", None]


def _turn(rng: random.Random, i: int) -> str:
    return f"At {rng.choice(PLACES)} we talked about {rng.choice(THINGS)} (turn {i})"


def _fill(mem: Memory, rng: random.Random) -> None:
    """Sessions of 1 to 7 turns, added one turn at a time in turn across sessions (so their
    rows interleave), then some turns updated (a new row at the end) or deleted, and a
    summary said in two sessions."""
    sessions = [
        Scope(user, agent_id=agent, session_id=f"{user}-{n}")
        for user in ("rosa", "tavi")
        for n, agent in enumerate([None, "planner", None])
    ]
    left = {s: rng.randint(1, 7) for s in sessions}
    said = []
    i = 0
    while any(left.values()):
        for scope in [s for s in sessions if left[s]]:
            speaker = rng.choice(SPEAKERS)
            meta = {"speaker": speaker} if speaker else {}
            (record,) = mem.add_many([_turn(rng, i)], scope, [meta], kind="episode")
            said.append((record, scope))
            left[scope] -= 1
            i += 1
    for record, scope in rng.sample(said, 4):
        mem.update(record.id, f"Corrected: {record.text}", scope)
    for record, scope in rng.sample(said, 3):
        mem.delete(record.id, scope)
    for scope in rng.sample(sessions, 2):
        mem.add_many([f"Summary of {scope.session_id}"], scope, kind="summary")


def _expected(rows, query, ids, window):
    """Neighbours by the definition: the admitted non-summary rows of each session in
    insertion (pk) order."""

    def admitted(r) -> bool:
        return (
            r.user_id == query.user_id
            and (query.agent_id is None or r.agent_id in (None, query.agent_id))
            and r.status in query.statuses
            and (not query.kinds or r.kind in query.kinds)
            and r.kind != "summary"
            and r.session_id is not None
        )

    turns: dict[str, list[str]] = {}
    for r in rows:
        if admitted(r):
            turns.setdefault(r.session_id, []).append(r.id)
    out = {}
    for session_turns in turns.values():
        for at, mid in enumerate(session_turns):
            if mid not in ids:
                continue
            places = []
            for d in range(1, window + 1):
                for other in (at - d, at + d):
                    if 0 <= other < len(session_turns):
                        places.append((session_turns[other], d))
            out[mid] = places
    return out


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_neighbours_match_the_session_order_at_start_middle_and_end(tmp_path, request, database):
    config = {"database_url": request.getfixturevalue("pg_url")} if database != "sqlite" else {}
    with Memory(home=tmp_path / "m", embedding={"model": "hash"}, **config) as mem:
        _fill(mem, random.Random(11))
        sql = mem.long_term.sql
        with sql.begin() as conn:
            rows = conn.execute(select(memories).order_by(memories.c.pk)).all()
        by_id = {r.id: r for r in rows}
        queries = [
            build_query(Scope("rosa"), None, None),
            build_query(Scope("tavi", agent_id="planner"), None, None),
            build_query(Scope("rosa"), {"status": ["active", "deleted"]}, None),
            build_query(Scope("tavi"), {"kind": ["episode", "summary"]}, None),
        ]
        checked = 0
        for query in queries:
            ids = {r.id for r in rows if r.user_id == query.user_id}
            for window in (1, 2, 3):
                with sql.begin() as conn:
                    around, signals = sql.session_neighbours(conn, ids, query, window)
                expected = _expected(rows, query, ids, window)
                assert {k: sorted(v) for k, v in around.items()} == {
                    k: sorted(v) for k, v in expected.items()
                }
                for mid in {m for places in around.values() for m, _ in places}:
                    r = by_id[mid]
                    valid_from, importance, speaker = signals[mid]
                    assert valid_from.replace(tzinfo=None) == r.valid_from.replace(tzinfo=None)
                    assert importance == r.importance
                    assert speaker == r.meta.get("speaker")
                checked += sum(map(len, expected.values()))
        assert checked > 100  # the sessions hold turns with neighbours on both sides


def test_known_signals_are_not_read_again(mem):
    scope = Scope("uli", session_id="walk")
    said = mem.add_many(
        [f"We passed stone bridge number {i}" for i in range(5)], scope, kind="episode"
    )
    query = build_query(Scope("uli"), None, None)
    sql = mem.long_term.sql
    with sql.begin() as conn:
        around, signals = sql.session_neighbours(conn, [said[2].id], query, 2, known={said[1].id})
    assert sorted(around[said[2].id]) == sorted(
        [(said[1].id, 1), (said[3].id, 1), (said[0].id, 2), (said[4].id, 2)]
    )
    assert set(signals) == {said[0].id, said[3].id, said[4].id}
