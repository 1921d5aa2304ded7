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


def make_extractor(
    kind: str = "rules", *, chat_model: Any = None, config: Any = None
) -> FactExtractor:
    """The extractor a config names: 'rules', or 'llm' (the chat model if given, else local)."""
    if kind == "rules":
        return RuleExtractor()
    if kind == "llm":
        if chat_model is not None:
            return LLMExtractor.from_chat_model(chat_model)
        return LLMExtractor(local_model_completion(config))
    raise ValueError(f"consolidation.extractor must be 'rules' or 'llm', got {kind!r}")


__all__ = [
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
