"""The LLM extractor with scripted chat models: JSON parsed into typed facts, one retry on
bad JSON, and the rule extractor as the fallback so that no input is dropped."""

from __future__ import annotations

import json
import logging

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from agentmem import prompts
from agentmem.facts.extraction import LLMExtractor, RuleExtractor, parse_facts

GOOD = json.dumps(
    {
        "facts": [
            {"subject": "user", "attribute": "moved to", "value": "Lisbon"},
            {
                "subject": "I",
                "attribute": "works at",
                "value": "Acme",
                "negated": True,
                "confidence": 0.7,
            },
        ]
    }
)


def _extractor(*responses: str) -> tuple[LLMExtractor, FakeListChatModel]:
    model = FakeListChatModel(responses=list(responses))
    return LLMExtractor.from_chat_model(model), model


def test_json_is_parsed_into_canonical_typed_facts():
    extractor, _ = _extractor(GOOD)
    facts = extractor.extract("I moved to Lisbon and I left Acme.")
    assert [(f.subject, f.attribute, f.value, f.negated) for f in facts] == [
        ("user", "lives_in", "Lisbon", False),
        ("user", "works_at", "Acme", True),
    ]
    assert facts[1].confidence == 0.7
    assert facts[0].text == "The user lives in Lisbon"
    assert extractor.failures == 0


def test_fenced_json_and_a_bare_list_are_accepted():
    fenced = "Here you go:\n```json\n" + GOOD + "\n```"
    assert len(parse_facts(fenced)) == 2
    assert len(parse_facts(json.dumps(json.loads(GOOD)["facts"]))) == 2


def test_bad_json_is_retried_once(caplog):
    extractor, model = _extractor("{not json", GOOD)
    with caplog.at_level(logging.WARNING):
        facts = extractor.extract("I moved to Lisbon.")
    assert [f.value for f in facts] == ["Lisbon", "Acme"]
    assert extractor.failures == 0
    assert "attempt 1" in caplog.text


@pytest.mark.parametrize(
    "outputs",
    [
        ("{not json", "still [not json"),  # bad JSON twice
        ("", ""),  # empty output
        ("Sure! The user lives in Lisbon.", "no JSON here either"),  # off-format
        ('{"facts": "Lisbon"}', '{"facts": [42]}'),  # wrong shape
    ],
)
def test_failures_fall_back_to_rules_and_keep_the_input(outputs, caplog):
    extractor, _ = _extractor(*outputs)
    with caplog.at_level(logging.WARNING):
        facts = extractor.extract("I moved to Lisbon.")
    assert [(f.attribute, f.value) for f in facts] == [("lives_in", "Lisbon")]
    assert extractor.failures == 1
    assert "fact extraction" in caplog.text


def test_a_raising_model_falls_back_to_rules():
    def broken(messages):
        raise RuntimeError("model crashed")

    extractor = LLMExtractor(broken, fallback=RuleExtractor())
    assert [f.value for f in extractor.extract("I work at Acme.")] == ["Acme"]
    assert extractor.failures == 1


def test_the_prompt_carries_the_schema_and_the_vocabulary():
    messages = prompts.extraction_messages("I live in Oslo")
    assert messages[-1] == {"role": "user", "content": "I live in Oslo"}
    assert '"facts"' in messages[0]["content"] and "lives_in" in messages[0]["content"]
    seen = []
    extractor = LLMExtractor(lambda m: seen.append(m) or '{"facts": []}')
    assert extractor.extract("hello") == []
    assert seen[0] == prompts.extraction_messages("hello")


def test_llm_extractor_is_slow_and_rules_are_fast():
    assert RuleExtractor().fast and not LLMExtractor(lambda m: "").fast
