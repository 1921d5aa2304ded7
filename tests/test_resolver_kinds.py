"""The conflict resolver compares a new note with the scope's notes, not with the logged
conversation: however many observed turns (episodes) sit nearer in meaning, a restated note
still finds the note it restates. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from agentmem import Memory, Scope

TURNS = 24  # well over the resolver's nearest neighbours


def _restated_note_merges(mem: Memory) -> None:
    scope = Scope("kinds")
    first = mem.add("Pick up the parcel from the depot on Fridays.", scope)
    for n in range(TURNS):  # the same words said in conversation, nearer than the note
        mem.observe("user", "Pick up the parcel from the depot on Fridays!" + " " * n, scope)
    mem.flush()
    again = mem.add("pick up the parcel from the depot on fridays!!", scope)
    assert again.id == first.id, "the restated note was stored beside the note it restates"
    ops = [e.op for e in mem.history(first.id, scope)]
    assert "MERGE" in ops
    notes = [r for r in mem.sql("SELECT kind, status FROM memories", scope) if r["kind"] == "note"]
    assert notes == [{"kind": "note", "status": "active"}]


def test_episodes_do_not_crowd_out_the_note_on_sqlite(tmp_path):
    with Memory(home=tmp_path, embedding={"model": "hash"}) as mem:
        _restated_note_merges(mem)


@pytest.mark.slow
def test_episodes_do_not_crowd_out_the_note_on_postgres(tmp_path, pg_url):
    with Memory(home=tmp_path, embedding={"model": "hash"}, database_url=pg_url) as mem:
        _restated_note_merges(mem)
