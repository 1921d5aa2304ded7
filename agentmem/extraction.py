"""Fact extraction: text -> subject/attribute/value facts, by rules or by a language model.

    extraction_base      FactExtractor (the interface) and render (a fact as a sentence)
    extraction_patterns  the rule extractor's pattern table, as data
    extraction_rules     the rule engine: RuleExtractor, the offline default
    extraction_llm       LLMExtractor: a chat model (LangChain or local) answering in JSON

This module is the import path the rest of agentmem uses, and picks the extractor a config
names.
"""

from __future__ import annotations

from typing import Any

from agentmem.extraction_base import USER, FactExtractor, render
from agentmem.extraction_llm import LLMExtractor, local_model_completion, parse_facts
from agentmem.extraction_patterns import RULES, Rule
from agentmem.extraction_rules import RuleExtractor, clauses
from agentmem.registry import Registry


def make_extractor(
    kind: str = "rules", *, chat_model: Any = None, config: Any = None
) -> FactExtractor:
    """The extractor a config names (`EXTRACTORS`): 'rules', or 'llm' (the chat model if
    given, else the local one)."""
    return EXTRACTORS.create(kind, chat_model=chat_model, config=config)


def _llm_extractor(*, chat_model: Any, config: Any) -> FactExtractor:
    if chat_model is not None:
        return LLMExtractor.from_chat_model(chat_model)
    return LLMExtractor(local_model_completion(config))


# Fact extractors by the name `consolidation.extractor` gives; a factory takes the keywords
# chat_model and config.
EXTRACTORS: Registry[FactExtractor] = Registry("extractor", "consolidation.extractor")
EXTRACTORS.register("rules", lambda **_: RuleExtractor())
EXTRACTORS.register("llm", _llm_extractor)


__all__ = [
    "EXTRACTORS",
    "RULES",
    "USER",
    "FactExtractor",
    "LLMExtractor",
    "Rule",
    "RuleExtractor",
    "clauses",
    "local_model_completion",
    "make_extractor",
    "parse_facts",
    "render",
]
