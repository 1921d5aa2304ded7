"""Sensory memory: normalisation, splitting, salience, and logging before anything else."""

from __future__ import annotations

import pytest

from agentmem import Memory, Scope, ValidationError
from agentmem.sensory import normalise, salience, split
from agentmem.short_term import word_counter


def test_normalise_nfc_controls_and_whitespace():
    assert normalise("Cafe\u0301\x00  ok\t\tthen\r\n\n\n\nend\u200b ") == "Caf\u00e9 ok then\n\nend"


def test_split_cuts_at_sentences_and_keeps_everything():
    text = " ".join(f"Sentence number {i} is here." for i in range(100))
    chunks = split(text, 200)
    assert all(len(c) <= 200 for c in chunks) and len(chunks) > 5
    assert " ".join(chunks) == text
    assert split("short", 200) == ["short"]
    assert all(len(c) <= 50 for c in split("x" * 180, 50))


@pytest.mark.parametrize(
    ("high", "low"),
    [
        ("My name is Priya and I live in Oslo.", "Hi there!"),
        ("I'm allergic to peanuts.", "ok"),
        ("I moved to Lisbon on March 3rd.", "Thanks, that helps."),
        ("My phone number is 555-0142.", "Sounds good."),
        ("I plan to visit Rome next week.", "What do you think about the weather?"),
    ],
)
def test_salience_ranks_facts_over_filler(high, low):
    assert salience(high) > salience(low)
    assert salience(high) >= 0.35 > salience(low)


def test_every_input_is_logged_in_order_with_role_and_salience(home):
    scope = Scope(user_id="u", session_id="s")
    with Memory(
        home=home,
        embedding={"model": "hash"},
        token_counter=word_counter,
        short_term={"max_chunk_chars": 100},
    ) as mem:
        mem.observe("user", "I live in Oslo.", scope)
        mem.observe("tool", "search(q=oslo) -> 3 results", scope)
        doc = mem.observe("document", "A long document. " * 20, scope)
        assert len(doc.episode_ids) > 1
        rows = mem.sql("SELECT role, seq, salience, content FROM episodes ORDER BY seq", scope)
        assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1))
        assert [r["role"] for r in rows[:2]] == ["user", "tool"]
        assert {r["role"] for r in rows[2:]} == {"document"}
        assert rows[0]["salience"] > 0.35


def test_input_is_logged_even_when_a_later_step_fails(home, monkeypatch):
    scope = Scope(user_id="u", session_id="s")
    with Memory(home=home, embedding={"model": "hash"}, token_counter=word_counter) as mem:

        def broken(*args, **kwargs):
            raise RuntimeError("short-term failure")

        monkeypatch.setattr(mem.short_term, "append", broken)
        with pytest.raises(RuntimeError):
            mem.observe("user", "I live in Oslo.", scope)
        rows = mem.sql("SELECT content FROM episodes", scope)
        assert rows == [{"content": "I live in Oslo."}]


@pytest.mark.parametrize(("role", "content"), [("robot", "hi"), ("user", "  \x00 "), ("user", 42)])
def test_bad_input_is_refused_before_anything_is_written(mem, role, content):
    scope = Scope(user_id="u")
    with pytest.raises(ValidationError):
        mem.observe(role, content, scope)
    assert mem.sql("SELECT count(*) AS n FROM episodes", scope)[0]["n"] == 0
