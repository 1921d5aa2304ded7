"""Summaries that keep: each pass's chunk summary stays as written, linked to its
episodes; the session summary is composed from chunk summaries; sentences keep their
speaker; stated facts outrank filler."""

from __future__ import annotations

import re

from agentmem import Memory, Scope
from agentmem.adapters.embeddings import HashEmbedder
from agentmem.bench import summaries as suite
from agentmem.consolidation.summarizers import ExtractiveSummarizer
from agentmem.short_term import word_counter
from agentmem.stores.sql import MemoryQuery


def _memory(home) -> Memory:
    return Memory(
        home=home,
        embedding={"model": "hash"},
        token_counter=word_counter,
        short_term={"max_tokens": 150},
        consolidation={"background": False, "summary_tokens": 50},
    )


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if s]


def test_chunk_summaries_stay_and_the_session_summary_is_made_of_them(tmp_path):
    scope = Scope(user_id="rhea", session_id="long")
    turns, _ = suite.conversation(42, pair=True, turns=160)
    with _memory(tmp_path / "home") as mem:
        passes = sum(
            mem.observe(role, content, scope, speaker=speaker).consolidated
            for role, content, speaker in turns
        )
        mem.consolidate(scope)
        chunks = [
            r
            for r in mem.long_term.find(
                MemoryQuery(user_id="rhea", kinds=["summary"], statuses=None)
            )
            if "chunk_of" in r.metadata
        ]
        assert passes >= 5 and len(chunks) >= passes
        assert all(c.status == "active" and c.version == 1 for c in chunks)
        for c in chunks:  # written once, never rewritten
            assert [(e.op, e.new_text) for e in mem.history(c.id, scope)] == [("ADD", c.text)]
        covered = [i for c in chunks for i in c.metadata["episode_ids"]]
        assert len(covered) == len(set(covered)) == len(turns)  # each turn in one chunk
        session = mem.short_term.get(scope).summary
        assert set(session.metadata["chunk_ids"]) == {c.id for c in chunks}
        chunk_sentences = {s for c in chunks for s in _sentences(c.text)}
        assert set(_sentences(session.text)) <= chunk_sentences


def test_sentences_keep_their_speaker(tmp_path):
    scope = Scope(user_id="pair", session_id="s")
    with _memory(tmp_path / "home") as mem:
        mem.observe("user", "Lost my job as a banker yesterday.", scope, speaker="Jon")
        mem.observe("user", "Oh no! I also lost my job at Door Dash.", scope, speaker="Gina")
        report = mem.consolidate(scope)
        text = mem.get(report.chunk_summary_id, scope).text
    assert "Jon: Lost my job as a banker yesterday (" in text
    assert "Gina: Oh no! I also lost my job at Door Dash." in text or (
        "Gina: I also lost my job at Door Dash." in text
    )
    assert "User:" not in text


def test_stated_facts_outrank_filler():
    summarizer = ExtractiveSummarizer(HashEmbedder(), word_counter)
    turns = [
        ("user", "Hi there!"),
        ("assistant", "Hello! How can I help you today? I'm happy to help with anything."),
        ("user", "My daughter Anouk starts at Lindholm school on 4 September."),
        ("assistant", "That's great. Let me know if there's anything else I can help with."),
        ("user", "ok thanks"),
    ]
    text = summarizer.summarize("", turns, max_tokens=16)
    assert text == "User: My daughter Anouk starts at Lindholm school on 4 September."


def test_generated_suite_survival_is_measured():
    counter = word_counter
    result = suite.measure(
        ExtractiveSummarizer(HashEmbedder(), counter), counter, conversations=3, tokens=128
    )
    for shape in ("assistant", "pair"):
        figures = result[shape]
        assert figures["planted"] >= 20
        assert 0.0 <= figures["attributed"] <= figures["survival"] <= 1.0
