"""A 160-turn session with six user facts planted early among small talk, consolidated,
then reopened: context() for questions about them, asked in a later session, carries each.

The statements, questions and small talk are written here, independently of the code's
tables (extraction patterns, query hints, the session benchmark's script); most facts are
phrased so that no extraction rule reads them, and the small talk is full of first-person
chatter, so a summary of bounded size cannot be what answers: what was said must stay.
"""

from __future__ import annotations

import random

import pytest

from agentmem import Memory, Scope
from agentmem.short_term import word_counter

PLANTED = [
    (
        "Honestly the best news this spring: my brother Teodor finally earned his pilot licence.",
        "What did Teodor earn this spring?",
        "pilot licence",
    ),
    (
        "We keep three hens out back, and the bossy one answers to Marmalade.",
        "What is the bossy hen called?",
        "Marmalade",
    ),
    (
        "Every morning I cross the fjord on a 40-minute ferry to get to the office.",
        "How long is the ferry ride to the office?",
        "40-minute",
    ),
    (
        "Quick warning for recipes: shellfish makes my throat swell up.",
        "Which food makes my throat swell?",
        "shellfish",
    ),
    (
        "I've been putting money aside for a secondhand cello since January.",
        "What have I been putting money aside for?",
        "cello",
    ),
    (
        "Note to self, the cabin's wifi code is heron-lake-77.",
        "What is the wifi code at the cabin?",
        "heron-lake-77",
    ),
]

_SMALL_TALK_USER = [
    "Did you catch the {t} thing on the news?",
    "I think I read somewhere that {t} are older than the pyramids, maybe 5000 years.",
    "My friend keeps telling me I'd love {t}, I'm not convinced.",
    "I watched a two-hour documentary on {t} last night, it was long.",
    "I can't decide what to have for lunch, any thoughts on {t}?",
    "ha, fair enough",
    "Anyway, tell me a fun fact about {t}.",
    "ok thanks",
    "What's a good way to get started with {t}?",
    "It's been raining all week here.",
    "Could you explain {t} like I'm five?",
]
_SMALL_TALK_ASSISTANT = [
    "Happy to help! {t} is a broad topic, so let's start with the basics.",
    "Great question. When it comes to {t}, most people begin with a simple plan.",
    "Sure thing. A fun fact about {t}: it has a surprisingly long history.",
    "That makes sense. Let me know if you want more detail on {t}.",
]
_TOPICS = ["volcanoes", "chess openings", "tide pools", "jazz", "bread", "satellites", "moss"]


def conversation(seed: int = 7, turns: int = 160) -> list[tuple[str, str]]:
    """Small talk with the planted statements among the first 40 user turns."""
    rng = random.Random(seed)
    slots = sorted(rng.sample(range(2, 40), len(PLANTED)))
    planted = {2 * s: p[0] for s, p in zip(slots, PLANTED, strict=True)}
    out = []
    for i in range(turns):
        if i % 2 == 0:
            text = planted.get(i) or rng.choice(_SMALL_TALK_USER).format(t=rng.choice(_TOPICS))
            out.append(("user", text))
        else:
            topic = rng.choice(_TOPICS)
            out.append(("assistant", rng.choice(_SMALL_TALK_ASSISTANT).format(t=topic)))
    return out


def _open(home) -> Memory:
    return Memory(
        home=home,
        embedding={"model": "hash"},
        token_counter=word_counter,
        short_term={"max_tokens": 300, "context_tokens": 2048},
        consolidation={"summary_tokens": 64},  # far less than what was said
    )


@pytest.fixture(scope="module")
def reopened(tmp_path_factory):
    home = tmp_path_factory.mktemp("planted") / "home"
    first = Scope(user_id="noor", session_id="first")
    with _open(home) as mem:
        for role, text in conversation():
            mem.observe(role, text, first)
        mem.consolidate(first)
    mem = _open(home)
    yield mem
    mem.close()


@pytest.mark.parametrize("statement,question,answer", PLANTED, ids=[p[2] for p in PLANTED])
def test_context_carries_each_planted_fact_after_consolidation_and_reopening(
    reopened, statement, question, answer
):
    later = Scope(user_id="noor", session_id="later")
    ctx = reopened.context(question, later)
    assert answer.lower() in " ".join(m["content"] for m in ctx.messages).lower()
    assert ctx.tokens <= 2048
