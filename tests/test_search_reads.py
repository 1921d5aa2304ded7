"""Search statements are built once per filter shape and reused with new values: a
reused statement must answer each query with that query's values, never the values of
the query it was built for. Two stores on one database (one warmed in one order, one
fresh in the other) must give every search the same answer, and every hit must lie in
the searched user's, agent's and session's scope.
"""

from __future__ import annotations

import random

import pytest

from agentmem import Memory
from agentmem.types import Scope

NOUNS = "kayak lantern quince marimba origami sherbet tandem walrus zither bonsai".split()
VERBS = ["repaired", "painted", "borrowed", "sold", "photographed"]


def _fill(mem: Memory, rng: random.Random) -> None:
    for user in ("uma", "vik"):
        for session in ("morning", "evening"):
            for agent in (None, "helper"):
                texts = [
                    f"{user} {rng.choice(VERBS)} the {rng.choice(NOUNS)} and the "
                    f"{rng.choice(NOUNS)} ({session})"
                    for _ in range(6)
                ]
                meta = [rng.choice([{"speaker": "Rhea"}, {"speaker": "Sol"}, {}]) for _ in texts]
                scope = Scope(user, agent_id=agent, session_id=session)
                mem.add_many(texts, scope, meta, kind="episode")
    mem.flush()


def _searches(rng: random.Random) -> list[tuple[str, dict, dict]]:
    out = []
    for _ in range(24):
        scope = {"user_id": rng.choice(["uma", "vik"])}
        if rng.random() < 0.5:
            scope["agent_id"] = "helper"
        filters = {"session_id": rng.choice(["morning", "evening"])} if rng.random() < 0.5 else {}
        query = f"who {rng.choice(VERBS)} the {rng.choice(NOUNS)}? Rhea or Sol"
        out.append((query, scope, filters))
    return out


def _answers(mem: Memory, searches) -> list[list[str]]:
    out = []
    for query, scope, filters in searches:
        hits = mem.search(query, Scope(**scope), filters=filters or None, top_k=8)
        for h in hits:
            assert h.record.scope.user_id == scope["user_id"], (query, scope)
            if "agent_id" in scope:  # an agent sees its own and the shared memories
                assert h.record.scope.agent_id in (None, scope["agent_id"]), (query, scope)
            if filters:
                assert h.record.scope.session_id == filters["session_id"], (query, filters)
        out.append([h.record.id for h in hits])
    return out


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_reused_statements_answer_each_query_with_its_own_values(tmp_path, request, database):
    config = {"database_url": request.getfixturevalue("pg_url")} if database != "sqlite" else {}
    searches = _searches(random.Random(5))
    with Memory(home=tmp_path / "m", embedding={"model": "hash"}, **config) as mem:
        _fill(mem, random.Random(3))
        warm = _answers(mem, searches)
    assert sum(map(len, warm)) > 0
    with Memory(home=tmp_path / "m", embedding={"model": "hash"}, **config) as mem:
        fresh = _answers(mem, searches[::-1])[::-1]
    assert warm == fresh
