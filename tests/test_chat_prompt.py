"""What the chat model reads and how its decoding ends: memory lines said to the user,
a short instruction, turn markers and repeated sentences that end a reply."""

from __future__ import annotations

import pytest

from agentmem import Memory, Scope
from agentmem.facts.person import base_form, second_person
from agentmem.llm.chat import build_prompt
from agentmem.llm.session import _repeat_start


@pytest.mark.parametrize(
    ("said", "to_user"),
    [
        ("The user plays the violin", "You play the violin"),
        ("The user teaches chemistry", "You teach chemistry"),
        ("The user flies to Cairo often", "You fly to Cairo often"),
        ("The user's partner is Ana", "Your partner is Ana"),
        ("The user is vegetarian", "You are vegetarian"),
        (
            "I'm training for a marathon with my brother",
            "You're training for a marathon with your brother",
        ),
        ("Noor owns a bakery", "Noor owns a bakery"),
    ],
)
def test_memory_lines_are_said_to_the_user(said, to_user):
    assert second_person(said) == to_user


def test_base_forms():
    assert [base_form(v) for v in ("watches", "buzzes", "goes", "carries", "has", "was")] == [
        "watch",
        "buzz",
        "go",
        "carry",
        "have",
        "were",
    ]


def test_chat_prompt_addresses_the_user(mem):
    scope = Scope(user_id="rosa")
    mem.add("I grow tomatoes on my balcony", scope)
    mem.add("I commute by ferry", scope)
    ctx = mem.context("what do I grow?", scope)
    system = build_prompt("what do I grow?", ctx, None)[0]["content"]
    assert "You grow tomatoes on your balcony" in system
    assert "The user" not in system and "I grow" not in system
    assert len(system.split("\n")[0].split()) < 20  # a short instruction, not a paragraph


def test_a_repeated_sentence_ends_the_reply():
    text = "Paris is lovely in May. It rains a bit. Paris is lovely in May. It"
    cut = _repeat_start(text)
    assert text[:cut].strip() == "Paris is lovely in May. It rains a bit."
    assert _repeat_start("One idea. Another idea. A third one.") == -1


def test_turn_markers_end_a_reply(home):
    from agentmem.llm.fakes import tiny_llm

    with Memory(home=home, embedding={"model": "hash"}) as m:
        m.llm = tiny_llm(config=m.config)
        session = m.llm.session("full", 1.0)
        session.feed("hello")
        free = "".join(session.decode(30))
        assert free and session.finish_reason == "length"
        marker = free[5:9]
        session = m.llm.session("full", 1.0)
        session.feed("hello")
        cut = "".join(session.decode(30, stop=[marker]))
        assert cut == free[: free.index(marker)] and session.finish_reason == "stop"


def test_bench_chat_scores_both_columns(home, tmp_path):
    from typer.testing import CliRunner

    from agentmem.bench import chat as bench_chat
    from agentmem.cli import app
    from agentmem.llm.fakes import tiny_llm

    with Memory(home=home, embedding={"model": "hash"}) as m:
        m.llm = tiny_llm(config=m.config)
        results = bench_chat.run(m, max_new_tokens=4)
    assert results["questions"] == len(bench_chat.SUITE) == len(results["rows"])
    for row in results["rows"]:
        for column in ("with_memory", "without_memory"):
            assert row[column]["correct"] == (row["expected"] in row[column]["reply"].lower())
    usage = CliRunner().invoke(app, ["bench", "chat", "--help"])
    assert usage.exit_code == 0 and "--embedder" in usage.stdout
