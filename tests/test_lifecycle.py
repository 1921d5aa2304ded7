"""Decay, archival and TTL: faded memories leave search; their events never go."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from agentmem.config import ConflictsConfig
from agentmem.facts.lifecycle import archive_reason, expired, strength
from agentmem.types import MemoryRecord, Scope

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def note(**kw) -> MemoryRecord:
    base = {
        "id": "n",
        "text": "a note",
        "scope": Scope(user_id="u"),
        "created_at": T0,
        "updated_at": T0,
        "valid_from": T0,
        "recorded_at": T0,
    }
    return MemoryRecord(**{**base, **kw})


def test_strength_decays_with_time_and_grows_with_use():
    config = ConflictsConfig(decay_half_life_days=10)
    fresh = strength(note(importance=0.8), T0, config)
    assert fresh == 0.8
    assert strength(note(importance=0.8), T0 + timedelta(days=10), config) == 0.4
    used = note(importance=0.8, access_count=3, updated_at=T0 + timedelta(days=10))
    assert strength(used, T0 + timedelta(days=10), config) > 0.8


def test_ttl_and_decay_reasons():
    config = ConflictsConfig(ttl_days={"episode": 7}, decay_half_life_days=10, archive_below=0.1)
    episode = note(kind="episode", importance=1.0)
    assert not expired(episode, T0 + timedelta(days=6), config)
    assert "time to live" in archive_reason(episode, T0 + timedelta(days=8), config)
    assert archive_reason(note(importance=0.5), T0 + timedelta(days=5), config) is None
    assert "faded" in archive_reason(note(importance=0.5), T0 + timedelta(days=40), config)
    fact = dataclasses.replace(note(importance=0.1), kind="fact")
    assert archive_reason(fact, T0 + timedelta(days=4000), config) is None


def test_sweep_archives_faded_notes_and_keeps_events(mem, alice):
    faded = mem.add("Parking is on level 3", alice, importance=0.2, observed_at=T0)
    kept = mem.add(
        "Remember the anniversary", alice, importance=1.0, observed_at=T0 + timedelta(days=300)
    )
    events = mem.sweep(alice, now=T0 + timedelta(days=320))
    assert [(e.op, e.memory_id, e.details["rule"]) for e in events] == [
        ("ARCHIVE", faded.id, "decay")
    ]
    assert mem.get(faded.id, alice).status == "archived"
    assert mem.get(kept.id, alice).status == "active"
    assert faded.id not in {h.record.id for h in mem.search("parking level", alice)}
    assert [e.op for e in mem.history(faded.id, alice)] == ["ADD", "ARCHIVE"]
    mem.restore(events[0].id, alice)
    assert faded.id in {h.record.id for h in mem.search("parking level", alice)}
    assert mem.sweep(alice, now=T0 + timedelta(days=1)) == []
