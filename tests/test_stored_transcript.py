"""A transcript stored with `add_many(kind="episode")`: every turn stays its own memory.

Turns are what was said, at their own time: two identical turns of one speaker are two
episodes, never merged into one (as two equal notes would be). They are logged like
observed turns (episodes table, sequence numbers, speaker, resolved dates), straight into
long-term memory, in one transaction, and are in SQL (found by full text) when the call
returns; meaning follows from the background index writer.

The dialogue below is written for this file (its own names and lines).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from agentmem import Memory, Scope
from agentmem.errors import ValidationError
from agentmem.short_term import word_counter

DAY1 = datetime(2024, 2, 11, 9, 15, tzinfo=UTC)
DAY2 = DAY1 + timedelta(days=9)
DIALOGUE = [
    ("Marisol", "Morning! Did the ferry to Skopelos leave on time yesterday?"),
    ("Teodor", "It did, and the harbour cafe had fresh bougatsa."),
    ("Marisol", "Ha, nice."),
    ("Teodor", "I still owe you 40 euros for the tickets."),
    ("Marisol", "Ha, nice."),
]


def _open(home) -> Memory:
    return Memory(home=home, embedding={"model": "hash"}, token_counter=word_counter)


def _store(mem: Memory, scope: Scope, at: datetime):
    return mem.add_many(
        [line for _, line in DIALOGUE],
        scope,
        [{"speaker": who, "line": n} for n, (who, _) in enumerate(DIALOGUE)],
        kind="episode",
        observed_at=at,
    )


def test_repeated_turns_of_one_speaker_stay_separate_records(tmp_path):
    scope = Scope(user_id="marisol", session_id="ferry")
    with _open(tmp_path / "home") as mem:
        first = _store(mem, scope, DAY1)
        second = _store(mem, scope, DAY2)
        ids = [r.id for r in first + second]
        assert len(set(ids)) == len(ids) == 2 * len(DIALOGUE)
        rows = mem.sql("SELECT id, status, kind FROM memories", scope)
        assert {r["id"] for r in rows} == set(ids)
        assert {(r["status"], r["kind"]) for r in rows} == {("active", "episode")}
        ops = mem.sql("SELECT memory_id, op FROM memory_events", scope)
        assert sorted(e["memory_id"] for e in ops) == sorted(ids)
        assert {e["op"] for e in ops} == {"ADD"}
        hits = mem.search("Ha, nice.", scope, mode="fulltext", top_k=10)
        repeated = {r.id for r in first + second if r.text.endswith("Ha, nice.")}
        assert len(repeated) == 4 and repeated <= {h.record.id for h in hits}


def test_turns_are_logged_in_order_with_speaker_time_and_dates(tmp_path):
    scope = Scope(user_id="marisol", session_id="ferry")
    with _open(tmp_path / "home") as mem:
        mem.observe("user", "An observed turn comes first.", scope, observed_at=DAY1)
        stored = _store(mem, scope, DAY2)
        logged = mem.sql("SELECT id, seq FROM episodes ORDER BY seq", scope)
        assert [r["id"] for r in logged[1:]] == [r.id for r in stored]
        assert [r["seq"] for r in logged] == list(range(1, len(DIALOGUE) + 2))
        ferry = stored[0]
        assert ferry.text.startswith("Marisol: Morning!")
        assert ferry.metadata["speaker"] == "Marisol" and ferry.metadata["line"] == 0
        assert ferry.created_at == DAY2 and ferry.scope.session_id == "ferry"
        day_before = (DAY2 - timedelta(days=1)).date().isoformat()
        assert any(d.get("date") == day_before for d in ferry.metadata["dates"])
        assert mem.get(ferry.id, scope).text == ferry.text


def test_stored_turns_are_not_working_context_nor_consolidated_again(tmp_path):
    scope = Scope(user_id="teodor", session_id="s")
    with _open(tmp_path / "home") as mem:
        _store(mem, scope, DAY1)
        assert list(mem.short_term.get(scope).turns) == []
        report = mem.consolidate(scope)
        assert report.episodes == 0
    with _open(tmp_path / "home") as mem:  # nor after a reopen rebuilds the context
        assert list(mem.short_term.get(scope).turns) == []
        mem.flush()
        found = mem.search("bougatsa harbour cafe", scope, mode="semantic", top_k=3)
        assert "bougatsa" in found[0].record.text


@pytest.mark.parametrize(
    "extra",
    [
        {"facts": [{"attribute": "owes", "value": "40 euros"}] + [None] * 4},
        {"valid_from": DAY1},
    ],
)
def test_episode_arguments_that_do_not_apply_are_refused_before_writing(tmp_path, extra):
    scope = Scope(user_id="teodor")
    with _open(tmp_path / "home") as mem:
        with pytest.raises(ValidationError, match="kind='note'"):
            mem.add_many([line for _, line in DIALOGUE], scope, kind="episode", **extra)
        assert mem.sql("SELECT count(*) AS n FROM memories", scope)[0]["n"] == 0
        assert mem.sql("SELECT count(*) AS n FROM episodes", scope)[0]["n"] == 0


def test_locomo_ingest_keeps_repeated_turns_of_one_speaker(tmp_path):
    from agentmem.bench import locomo, locomo_data

    lines = [("Noor", "lol same"), ("Piet", "Back from the dunes."), ("Noor", "lol same")]
    sessions = {
        f"session_{n}": [
            {"speaker": who, "dia_id": f"D{n}:{i}", "text": text}
            for i, (who, text) in enumerate(lines, start=1)
        ]
        for n in (1, 2)
    }
    dates = {f"session_{n}_date_time": f"10:00 am on {n} June, 2023" for n in (1, 2)}
    raw = {"speaker_a": "Noor", "speaker_b": "Piet", "qa": [], **sessions, **dates}
    path = tmp_path / "9.json"
    path.write_text(json.dumps(raw))
    conv = locomo_data.load(path)
    with _open(tmp_path / "home") as mem:
        result = locomo._ingest(mem, conv, "noor", "episode")
    assert result["turns"] == result["stored"] == result["active"] == 6
    assert result["lost"] == 0


def test_a_long_transcript_is_indexed_whole(tmp_path):
    from agentmem.long_term import indexer

    scope = Scope(user_id="piet")
    # more than one embedding call of the writer, each written in several chunks
    count = indexer.EMBED_CHUNK + indexer.WRITE_CHUNK + 7
    lines = [f"Tide table entry {n}: low water at {n % 12 + 1} o'clock." for n in range(count)]
    with _open(tmp_path / "home") as mem:
        stored = mem.add_many(lines, scope, kind="episode", observed_at=DAY1)
        mem.flush()
        assert mem.long_term.index.ids("piet") == {r.id for r in stored}
        with mem.long_term.sql.begin() as conn:  # and SQL knows they are
            assert mem.long_term.sql.dirty_memories(conn, limit=100) == []


@pytest.mark.parametrize("n", [1, 63, 64, 65, 81, 300])
def test_index_writes_are_split_into_even_chunks_covering_every_row(n):
    from agentmem.long_term.indexer import even_chunks

    bounds = even_chunks(n, 64)
    assert bounds[0][0] == 0 and bounds[-1][1] == n
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:], strict=False))
    sizes = [hi - lo for lo, hi in bounds]
    assert max(sizes) <= 64 and max(sizes) - min(sizes) <= 1 and len(sizes) == -(-n // 64)
