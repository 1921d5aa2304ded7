"""Consolidation: summarisers (extractive, LangChain with fallbacks) and the pass that moves
working-context overflow into long-term memory."""

from __future__ import annotations

import logging

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from agentmem import Memory, Scope
from agentmem.adapters.embeddings import HashEmbedder
from agentmem.consolidation import ExtractiveSummarizer, LangChainSummarizer
from agentmem.short_term import word_counter

TURNS = [
    ("user", "Hi there!"),
    ("user", "My name is Dana and I live in Porto."),
    ("assistant", "Nice to meet you, Dana. Porto is lovely."),
    ("user", "I work at Farfetch as a designer. The weather is fine."),
    ("user", "ok"),
]


@pytest.fixture
def extractive():
    return ExtractiveSummarizer(HashEmbedder(), word_counter)


def test_extractive_summary_keeps_salient_sentences_within_budget(extractive):
    text = extractive.summarize("", TURNS, max_tokens=25)
    assert word_counter(text) <= 25
    assert "Porto" in text
    assert "Hi there" not in text
    assert extractive.summarize(text, [], 25) == text


def test_extractive_summary_rolls_over_the_previous_one(extractive):
    first = extractive.summarize("", TURNS, max_tokens=40)
    second = extractive.summarize(first, [("user", "My sister Zoe lives in Braga.")], 40)
    assert "Zoe" in second and word_counter(second) <= 40


def _langchain(*responses: str, extractive) -> LangChainSummarizer:
    return LangChainSummarizer(
        FakeListChatModel(responses=list(responses)), extractive, word_counter
    )


def test_langchain_summary_is_used_when_well_formed(extractive):
    s = _langchain("Dana lives in Porto and designs at Farfetch.", extractive=extractive)
    assert s.summarize("", TURNS, 40) == "Dana lives in Porto and designs at Farfetch."
    assert s.failures == 0


@pytest.mark.parametrize(
    "output",
    [
        "",  # empty
        " ".join(["word"] * 200),  # over-long
        '{"summary": "Dana lives in Porto"}',  # off-format: JSON
        "user: hi\nassistant: hello",  # off-format: a transcript
    ],
)
def test_bad_model_summaries_fall_back_to_extractive(output, extractive, caplog):
    s = _langchain(output, extractive=extractive)
    with caplog.at_level(logging.WARNING):
        text = s.summarize("", TURNS, 30)
    assert text == extractive.summarize("", TURNS, 30)
    assert "Porto" in text  # the input is kept
    assert s.failures == 1
    assert "fallback" in caplog.text


def test_a_raising_model_falls_back(extractive):
    class Broken:
        def invoke(self, messages):
            raise TimeoutError("no answer")

    s = LangChainSummarizer(Broken(), extractive, word_counter)
    assert "Porto" in s.summarize("", TURNS, 30)


def _memory(home, consolidation=None, **kwargs) -> Memory:
    return Memory(
        home=home,
        embedding={"model": "hash"},
        token_counter=word_counter,
        short_term={"max_tokens": 60},
        consolidation={"summary_tokens": 40, **(consolidation or {})},
        **kwargs,
    )


def test_consolidate_moves_turns_into_summary_and_facts(home):
    scope = Scope(user_id="dana", session_id="s1")
    with _memory(home) as mem:
        for role, text in TURNS:
            mem.observe(role, text, scope)
        report = mem.consolidate(scope)
        assert report.episodes == len(TURNS)
        assert report.summary_id is not None
        summary = mem.get(report.summary_id, scope)
        assert summary.kind == "summary" and "Porto" in summary.text
        assert [e.op for e in mem.history(summary.id, scope)] == ["ADD"]
        assert mem.short_term.get(scope).turns == type(mem.short_term.get(scope).turns)()
        rows = mem.sql("SELECT count(*) AS n FROM episodes WHERE consolidated = 0", scope)
        assert rows[0]["n"] == 0
        facts = {(f.attribute, f.value) for f in mem.facts(scope)}
        assert {("name", "Dana"), ("lives_in", "Porto"), ("works_at", "Farfetch")} <= facts
        # a second pass updates the same summary record and keeps its history
        mem.observe("user", "I have a dog named Biscuit.", scope)
        again = mem.consolidate(scope)
        assert again.summary_id == summary.id
        assert [e.op for e in mem.history(summary.id, scope)] == ["ADD", "UPDATE"]


def test_overflow_is_consolidated_automatically(home):
    """Inline mode; background mode: tests/test_consolidation_background.py."""
    scope = Scope(user_id="dana", session_id="s1")
    with _memory(home, consolidation={"background": False}) as mem:
        consolidated = [
            mem.observe("user", f"Filler turn number {i} about the weather.", scope).consolidated
            for i in range(30)
        ]
        assert any(consolidated)
        assert mem.short_term.get(scope).tokens <= 60


def test_facts_are_extracted_once(home):
    scope = Scope(user_id="dana", session_id="s1")
    with _memory(home) as mem:
        obs = mem.observe("user", "I live in Porto.", scope)
        assert [(f.attribute, f.value) for f in obs.facts] == [("lives_in", "Porto")]
        report = mem.consolidate(scope)
        assert report.facts == []  # already read when observed
        assert len(mem.history(obs.facts[0].id, scope)) == 1


def test_llm_extractor_runs_at_consolidation_and_falls_back(home, caplog):
    scope = Scope(user_id="dana", session_id="s1")
    model = FakeListChatModel(responses=["not json", "still not json"])
    with _memory(home, consolidation={"extractor": "llm"}, chat_model=model) as mem:
        obs = mem.observe("user", "I live in Porto.", scope)
        assert obs.facts == []  # a slow extractor waits for consolidation
        with caplog.at_level(logging.WARNING):
            report = mem.consolidate(scope)
        assert [(f.attribute, f.value) for f in report.facts] == [("lives_in", "Porto")]
        assert mem.consolidator.extractor.failures == 1


def test_langchain_summarizer_from_config(home):
    scope = Scope(user_id="dana", session_id="s1")
    model = FakeListChatModel(responses=["Dana lives in Porto."])
    with _memory(home, consolidation={"summarizer": "langchain"}, chat_model=model) as mem:
        mem.observe("user", "I live in Porto.", scope)
        report = mem.consolidate(scope)
        assert mem.get(report.summary_id, scope).text == "Dana lives in Porto."


def test_a_failing_extraction_loses_nothing(home, monkeypatch):
    scope = Scope(user_id="dana", session_id="s1")
    with _memory(home) as mem:

        def boom(text, *, source):
            raise RuntimeError("extractor bug")

        extractor = mem.consolidator.extractor
        for part in {extractor, extractor.quick}:  # the quick part runs on observe
            monkeypatch.setattr(part, "_extract", boom)
        obs = mem.observe("user", "I live in Porto.", scope)
        assert obs.facts == [] and len(obs.episode_ids) == 1
        report = mem.consolidate(scope)
        assert report.errors and "extractor bug" in report.errors[0]
        monkeypatch.undo()
        rows = mem.sql("SELECT content FROM episodes", scope)
        assert rows == [{"content": "I live in Porto."}]
