"""Episodes are long-term memory: every observed turn stays searchable, with its speaker,
role, session and time; consolidation, conflict resolution and sweeps never take one
away; summaries and facts name the episodes they came from."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agentmem import Memory, Scope
from agentmem.short_term import word_counter

T0 = datetime(2023, 3, 4, 18, 30, tzinfo=UTC)


def _small(home) -> Memory:
    return Memory(
        home=home,
        embedding={"model": "hash"},
        token_counter=word_counter,
        short_term={"max_tokens": 120, "context_tokens": 600},
        consolidation={"background": False, "summary_tokens": 60},
    )


def test_every_turn_is_found_by_full_text_and_meaning_with_its_speaker(mem):
    scope = Scope(user_id="ines", session_id="day-1")
    a = mem.observe("user", "The greenhouse roof leaks near the tomatoes.", scope, speaker="Ines")
    b = mem.observe("assistant", "A silicone sealant usually fixes small leaks.", scope)
    hits = mem.search("greenhouse leaks", scope, mode="fulltext")
    assert hits[0].record.id == a.episode_ids[0]  # at once, before any index write
    record = hits[0].record
    assert record.kind == "episode" and record.scope.session_id == "day-1"
    assert record.metadata["speaker"] == "Ines" and record.metadata["role"] == "user"
    assert record.text.startswith("Ines: ")
    mem.flush()
    semantic = {h.record.id for h in mem.search("silicone sealant", scope, mode="semantic")}
    assert b.episode_ids[0] in semantic


def test_identical_turns_said_at_different_times_are_two_episodes(mem, alice):
    first = mem.observe("user", "I walked the dog.", alice, observed_at=T0)
    second = mem.observe("user", "I walked the dog.", alice, observed_at=T0 + timedelta(days=1))
    mem.add("I walked the dog.", alice)  # a stored note of the same words is its own memory
    rows = mem.sql(
        "SELECT id, status FROM memories WHERE kind = 'episode' ORDER BY created_at", alice
    )
    assert [r["id"] for r in rows] == first.episode_ids + second.episode_ids
    assert {r["status"] for r in rows} == {"active"}


def test_consolidation_and_sweeps_leave_every_turn_searchable(tmp_path):
    scope = Scope(user_id="oren", session_id="s")
    with _small(tmp_path / "home") as mem:
        ids = []
        for i in range(40):
            obs = mem.observe(
                "user", f"Reminder number {i}: water plant {i} on the balcony.", scope
            )
            ids += obs.episode_ids
        mem.consolidate(scope)
        assert (
            mem.sql("SELECT count(*) AS n FROM episodes WHERE consolidated = 0", scope)[0]["n"] == 0
        )
        mem.sweep(scope, now=T0 + timedelta(days=3650))  # long after any decay
        for i in (0, 17, 39):
            hits = mem.search(f"plant {i} balcony reminder {i}", scope, mode="fulltext", top_k=3)
            assert ids[i] in {h.record.id for h in hits}


def test_episodes_written_before_they_had_rows_get_them_on_open(tmp_path):
    home = tmp_path / "home"
    scope = Scope(user_id="vera")
    with _small(home) as mem:
        obs = mem.observe("user", "The spare key is under the blue flowerpot.", scope)
        with mem.long_term.sql.begin() as conn:  # as a database of an earlier version
            from sqlalchemy import text

            conn.execute(text("DELETE FROM memories WHERE kind = 'episode'"))
        assert mem.search("spare key flowerpot", scope, mode="fulltext") == []
    with _small(home) as mem:
        hits = mem.search("spare key flowerpot", scope, mode="fulltext")
        assert [h.record.id for h in hits] == obs.episode_ids


def test_summaries_and_facts_name_their_episodes(tmp_path):
    scope = Scope(user_id="tomas", session_id="s1")
    with _small(tmp_path / "home") as mem:
        said = [mem.observe("user", "I live in Valparaiso.", scope)]
        said += [
            mem.observe("user", f"Tell me something about topic {i}.", scope) for i in range(6)
        ]
        report = mem.consolidate(scope)
        chunk = mem.get(report.chunk_summary_id, scope)
        episode_ids = [i for o in said for i in o.episode_ids]
        assert chunk.metadata["episode_ids"] == episode_ids
        assert [e.id for e in mem.sources(chunk.id, scope)] == episode_ids
        (added,) = [e for e in mem.history(chunk.id, scope) if e.op == "ADD"]
        assert added.details["episode_ids"] == episode_ids
        session = mem.get(report.summary_id, scope)
        assert session.metadata["chunk_ids"] == [chunk.id]
        facts = mem.facts(scope, attribute="lives_in")
        assert facts and [e.id for e in mem.sources(facts[0].id, scope)] == said[0].episode_ids


def test_context_shows_a_past_turn_with_its_neighbours(tmp_path):
    scope = Scope(user_id="lin", session_id="chat")
    with _small(tmp_path / "home") as mem:
        mem.observe("user", "We adopted a scruffy terrier from the shelter.", scope)
        mem.observe("assistant", "Congratulations! What did you call the terrier?", scope)
        mem.observe("user", "Pickle, after my favourite snack.", scope)
        for i in range(30):
            mem.observe("user", f"Unrelated chat line {i} about spreadsheets.", scope)
        mem.consolidate(scope)
        ctx = mem.context("What is the name of the terrier we adopted?", scope)
        system = ctx.messages[0]["content"]
        assert "Past conversation:" in system and "Pickle" in system
        shown = [e.content for e in ctx.episodes]
        start = shown.index("We adopted a scruffy terrier from the shelter.")
        assert shown[start + 1 : start + 3] == [
            "Congratulations! What did you call the terrier?",
            "Pickle, after my favourite snack.",
        ]
        assert len(shown) == len(set(shown))  # overlapping windows are merged
        assert ctx.tokens <= 600


def test_context_shows_the_best_hits_with_neighbours_and_lesser_hits_alone(tmp_path):
    scope = Scope(user_id="ravi", session_id="garden")
    crops = ["kohlrabi", "parsnips", "fennel", "okra", "chard", "leeks"]
    with _small(tmp_path / "home") as mem:
        for i, crop in enumerate(crops):
            mem.observe("user", f"The allotment {crop} bed needs mulch this week.", scope)
            mem.observe("assistant", f"Filler remark number {i} about the weather.", scope)
            mem.observe("user", f"Another filler remark {i} about buses.", scope)
        mem.consolidate(scope)
        builder = mem.context_builder
        builder.episode_k, builder.neighbour_hits = 4, 1
        working = mem.short_term.snapshot(Scope(user_id="ravi", session_id="later"))
        passages = builder.recall_turns("allotment bed mulch", scope, working)
        said = {e.seq for e in mem.long_term.episodes(scope)}  # numbered from 1
    assert len(said) == 3 * len(crops)
    assert len(passages) == 4
    best, *rest = passages
    (hit,) = [e.seq for e in best if "allotment" in e.content]
    assert [e.seq for e in best] == [s for s in (hit - 1, hit, hit + 1) if s in said]
    assert all(len(p) == 1 and "allotment" in p[0].content for p in rest)
