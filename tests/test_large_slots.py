"""Slots with long histories. A multi-valued slot holding hundreds of values: a new value
is decided against the few stored values it can meet (the resolver does not read the slot's
whole history), and the outcomes are those of a decision over the whole slot: a restatement
reinforces its value, a wider or narrower wording meets the value it words, a retraction
ends exactly its value, a reassertion ends the retraction, a new value is added, nothing
else changes. A single-valued slot of forty past values: a new value is decided against the
current one, a statement about the past is fitted into the history. On SQLite and
PostgreSQL.

The values come from this file's own word lists (a seeded draw), not from the code's."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta

import pytest

from agentmem import Memory, Scope
from agentmem.errors import ConflictStateError
from agentmem.facts import resolver
from agentmem.long_term import new_id
from agentmem.types import MemoryRecord

QUALITIES = (
    "smoked hand-rolled bitter spiced frozen toasted wild pickled candied salted "
    "braised fermented roasted minted peppered honeyed stewed charred grilled poached"
).split()
THINGS = (
    "plums chestnuts radishes oats leeks figs mussels lentils quinces almonds "
    "sardines parsnips apricots barley cockles turnips walnuts dates"
).split()
BATCHES = 6
DAY0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
# placed at known batches so that the earliest value holding "cider" is known
CIDERS = {0: "Cloudy Cider", 2: "pear cider", 4: "dry cider from Somerset"}
ODD = ("crème brûlée", "snake_case puzzles", "100% rye loaves", "\u212aombucha")


def _values(seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    pairs = [f"{q} {t}" for q in QUALITIES for t in THINGS]
    drawn = rng.sample(pairs, 300 - len(CIDERS) - len(ODD))
    batches = [drawn[i::BATCHES] for i in range(BATCHES)]
    for b, value in CIDERS.items():
        batches[b].insert(rng.randrange(len(batches[b]) + 1), value)
    batches[1] += ODD
    return batches


def _say(mem: Memory, scope: Scope, value: str, day: int, *, negated: bool = False):
    text = f"Oksana {'no longer likes' if negated else 'likes'} {value}."
    fact = {"subject": "Oksana", "attribute": "likes", "value": value, "negated": negated}
    return mem.add(text, scope, fact=fact, observed_at=DAY0 + timedelta(days=day))


def _active(mem: Memory, scope: Scope) -> dict[str, dict]:
    rows = mem.sql(
        "SELECT id, value, status FROM memories WHERE kind = 'fact' AND attribute = 'likes'",
        scope,
    )
    return {r["id"]: r for r in rows if r["status"] == "active"}


def _slot_of_many(mem: Memory) -> None:
    scope = Scope("oksana")
    ids: dict[str, str] = {}
    for day, batch in enumerate(_values(seed=20260)):
        texts = [f"Oksana likes {v}." for v in batch]
        facts = [{"subject": "Oksana", "attribute": "likes", "value": v} for v in batch]
        stored = mem.add_many(texts, scope, facts=facts, observed_at=DAY0 + timedelta(days=day))
        ids.update({v: r.id for v, r in zip(batch, stored, strict=True)})
    assert len(ids) == 300 and len(_active(mem, scope)) == 300

    # the resolver reads the values a new one can meet, not the whole slot
    probe = _probe(scope, "pear cider")
    read = resolver.slot_facts(mem.long_term, probe)
    assert {r.value for r in read} == {"pear cider"}

    # a restatement in other case reinforces the value it restates
    again = _say(mem, scope, "PEAR CIDER", 10)
    assert again.id == ids["pear cider"]
    for value in ("Crème Brûlée", "snake_case puzzles", "100% Rye Loaves", "kombucha"):
        assert _say(mem, scope, value, 10).id in ids.values(), value
    assert len(_active(mem, scope)) == 300

    # a narrower wording is history beside the first value that holds its words
    cider = _say(mem, scope, "cider", 11)
    assert cider.status == "superseded" and cider.superseded_by == ids["Cloudy Cider"]

    # a retraction ends exactly the value it names
    gone = "pear cider"
    retraction = _say(mem, scope, gone, 12, negated=True)
    active = _active(mem, scope)
    assert ids[gone] not in active and retraction.id in active
    ended = mem.get(ids[gone], scope)
    assert ended.status == "superseded" and ended.superseded_by == retraction.id
    assert set(ids.values()) - {ids[gone]} <= set(active)

    # saying it again ends the retraction; a new value is added beside the rest
    back = _say(mem, scope, gone, 13)
    assert mem.get(retraction.id, scope).superseded_by == back.id
    new = _say(mem, scope, "blackcurrant jam", 14)
    active = _active(mem, scope)
    assert back.id in active and new.id in active and retraction.id not in active
    assert len(active) == 301  # 299 first values, the reasserted one, the new one
    lost = [v for v, i in ids.items() if v != gone and i not in active]
    assert lost == []

    # undoing the retraction would hold the value twice (it was said again): refused
    events = mem.history(ids[gone], scope)
    ended_by = [e for e in events if e.op == "SUPERSEDE" and e.memory_id == ids[gone]]
    assert [e.related_id for e in ended_by] == [retraction.id]
    with pytest.raises(ConflictStateError, match="twice"):
        mem.restore(ended_by[0].id, scope)
    assert _active(mem, scope) == active


def _probe(scope: Scope, value: str, day: int = 30) -> MemoryRecord:
    now = DAY0 + timedelta(days=day)
    return MemoryRecord(
        id=new_id(),
        text=f"Oksana likes {value}.",
        scope=scope,
        kind="fact",
        subject="oksana",
        attribute="likes",
        value=value,
        created_at=now,
        updated_at=now,
        valid_from=now,
        recorded_at=now,
    )


SYLLABLES = "bar mor wen til dra osk lin hav eth gor sul pen ric ad".split()


def _places(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < n:
        name = "".join(rng.sample(SYLLABLES, 3)).capitalize()
        if name not in out:
            out.append(name)
    return out


def _move(mem: Memory, scope: Scope, place: str, day: float, *, negated: bool = False):
    text = f"Tomas {'no longer lives' if negated else 'lives'} in {place}."
    fact = {"subject": "Tomas", "attribute": "lives_in", "value": place, "negated": negated}
    return mem.add(text, scope, fact=fact, observed_at=DAY0 + timedelta(days=day))


def _slot_of_long_history(mem: Memory) -> None:
    scope = Scope("tomas")
    *places, later, earlier = _places(seed=4711, n=42)
    ids = [_move(mem, scope, p, day).id for day, p in enumerate(places)]
    rows = mem.sql("SELECT id, status FROM memories WHERE attribute = 'lives_in'", scope)
    assert sorted(r["id"] for r in rows if r["status"] == "active") == [ids[-1]]
    probe = dataclasses.replace(
        _probe(scope, "Lisbon", day=100), subject="tomas", attribute="lives_in"
    )
    assert [r.id for r in resolver.slot_facts(mem.long_term, probe)] == [ids[-1]]

    # the current value said again is reinforced
    assert _move(mem, scope, places[-1].upper(), 50).id == ids[-1]
    # a statement about day 20.5 is history between the values of days 20 and 21
    past = _move(mem, scope, earlier, 20.5)
    assert past.status == "superseded" and past.superseded_by == ids[21]
    assert mem.get(ids[20], scope).valid_to == DAY0 + timedelta(days=20.5)
    # a new value ends the current one; its retraction ends the new value
    new = _move(mem, scope, later, 60)
    assert mem.get(ids[-1], scope).superseded_by == new.id
    gone = _move(mem, scope, later, 61, negated=True)
    assert mem.get(new.id, scope).superseded_by == gone.id
    rows = mem.sql("SELECT id, status FROM memories WHERE attribute = 'lives_in'", scope)
    assert [r["id"] for r in rows if r["status"] == "active"] == [gone.id]
    assert {*ids, past.id, new.id, gone.id} <= {r["id"] for r in rows}


def test_slot_of_many_values(mem_sql):
    _slot_of_many(mem_sql)


def test_slot_of_long_history(mem_sql):
    _slot_of_long_history(mem_sql)
