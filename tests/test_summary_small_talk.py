"""A chunk summary is what was stated, not the transcript again: small talk in which
nothing is stated, and an assistant's acknowledgements that only echo the person's names
and places, are left out when statements are there; what the assistant adds is kept.
The turn that answers a question still outranks the summary holding it.

Conversations come from this file's own generator (its names, places and phrasings)."""

from __future__ import annotations

import random

from agentmem import Memory, Scope
from agentmem.adapters.embeddings import HashEmbedder
from agentmem.consolidation.summarizers import ExtractiveSummarizer
from agentmem.short_term import word_counter

NAMES = ["Tomasz", "Ingrid", "Oluwaseun", "Mireille", "Haruto", "Valentina"]
CITIES = ["Gdynia", "Tromsø", "Ibadan", "Clermont", "Sapporo", "Rosario"]
KIN = ["brother", "aunt", "cousin", "grandmother"]
JOBS = ["chemistry teacher", "ferry pilot", "tailor", "radiographer"]
SMALL_TALK = ["Sure.", "Yeah, maybe.", "Not much really.", "Fair enough.", "Oh, right."]
QUESTIONS = ["How was your day?", "Anything else on your mind?", "Is that so?"]


def conversation(seed: int) -> tuple[list[tuple[str, str]], dict[str, list[str]]]:
    rng = random.Random(seed)
    name, home, away = rng.choice(NAMES), *rng.sample(CITIES, 2)
    kin, job = rng.choice(KIN), rng.choice(JOBS)
    stated = [
        f"I'm {name} and I work as a {job} in {home}.",
        f"My {kin} {rng.choice(NAMES)} has lived in {away} for years.",
        f"I'm flying to {away} on the {rng.randint(3, 27)}th.",
    ]
    echoes = [f"Lovely to meet you, {name}!", f"{away} must be beautiful."]
    added = f"Your check-up is booked for {rng.randint(8, 11)}:30 on Monday."
    talk = rng.sample(SMALL_TALK, 3)
    asked = rng.sample(QUESTIONS, 2)
    turns = [
        ("user", stated[0]),
        ("assistant", f"{echoes[0]} {asked[0]}"),
        ("user", talk[0]),
        ("user", stated[1]),
        ("assistant", echoes[1]),
        ("user", f"{talk[1]} {stated[2]}"),
        ("assistant", f"{added} {asked[1]}"),
        ("user", talk[2]),
    ]
    return turns, {
        "stated": stated,
        "dropped": echoes + talk + asked,
        "added": [added],
        "kin": [kin],
    }


def test_summary_keeps_statements_and_leaves_out_small_talk():
    summarizer = ExtractiveSummarizer(HashEmbedder(), word_counter)
    for seed in range(12):
        turns, parts = conversation(seed)
        summary = summarizer.summarize("", turns, 256)
        for sentence in parts["stated"]:
            assert f"User: {sentence}" in summary, (seed, sentence, summary)
        assert f"Assistant: {parts['added'][0]}" in summary, (seed, summary)
        for sentence in parts["dropped"]:
            assert sentence not in summary, (seed, sentence, summary)


def test_small_talk_alone_is_still_summarised():
    summarizer = ExtractiveSummarizer(HashEmbedder(), word_counter)
    turns = [("user", "Fair enough."), ("assistant", "How was your day?"), ("user", "Sure.")]
    assert summarizer.summarize("", turns, 256)


def test_the_answering_turn_outranks_the_summary(tmp_path):
    with Memory(
        home=tmp_path / "home",
        embedding={"model": "hash"},
        consolidation={"background": False},
    ) as mem:
        for seed in range(4):
            turns, parts = conversation(100 + seed)
            user = Scope(user_id=f"u{seed}")
            scope = Scope(user_id=user.user_id, session_id="s")
            for role, text in turns:
                mem.observe(role, text, scope)
            done = mem.consolidate(scope)
            assert done.chunk_summary_id
            question = f"where does my {parts['kin'][0]} live?"
            top = mem.search(question, user, top_k=3)[0]
            assert top.record.kind == "episode", (seed, top.record.text)
            assert parts["stated"][1] in top.record.text
