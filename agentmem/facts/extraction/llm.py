"""Model-backed fact extraction: a chat model (LangChain or the local model) answers in JSON.

`LLMExtractor` asks for JSON (schema in `prompts.py`), retries once on bad JSON and falls
back to the rules, so no input is ever dropped silently.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

from agentmem import prompts
from agentmem.adapters import chat_models
from agentmem.facts.extraction.base import USER, FactExtractor, render
from agentmem.facts.extraction.rules import RuleExtractor
from agentmem.facts.vocabulary import canonical
from agentmem.types import Fact

log = logging.getLogger("agentmem.extraction")  # the name logging configs already use


class LLMExtractor(FactExtractor):
    """Facts from a chat model's JSON; one retry on bad JSON, then the rules take over.

    `complete` is any callable prompt -> text (a LangChain chat model is adapted by
    `from_chat_model`). Errors are logged and counted in `self.failures`; the input is never
    dropped: on failure the fallback extractor's facts are returned.
    """

    name = "llm"

    def __init__(
        self,
        complete: Callable[[list[dict[str, str]]], str],
        *,
        fallback: FactExtractor | None = None,
        max_facts: int = 20,
    ) -> None:
        self.complete = complete
        self.fallback = fallback or RuleExtractor()
        self.max_facts = max_facts
        self.failures = 0

    @classmethod
    def from_chat_model(cls, model: Any, **kwargs: Any) -> LLMExtractor:
        """Wrap any langchain-core BaseChatModel."""
        return cls(lambda messages: chat_models.complete(model, messages), **kwargs)

    def _extract(self, text: str, *, source: str) -> list[Fact]:
        messages = prompts.extraction_messages(text)
        for attempt in range(2):
            try:
                raw = self.complete(messages)
                return parse_facts(raw, source=source)[: self.max_facts]
            except ValueError as exc:
                log.warning("fact extraction: bad model output (attempt %d): %s", attempt + 1, exc)
                messages = prompts.extraction_retry_messages(text, str(exc))
            except Exception:  # a model failure must not lose the input
                log.exception("fact extraction: the model failed; using %s", self.fallback.name)
                break
        self.failures += 1
        return self.fallback.extract(text, source=source)


def local_model_completion(config: Any = None) -> Callable[[list[dict[str, str]]], str]:
    """A completion function over the local model, loaded on first use."""
    state: dict[str, Any] = {}

    def complete(messages: list[dict[str, str]]) -> str:
        if "llm" not in state:
            from agentmem.llm import LocalLLM

            state["llm"] = LocalLLM.load(config)
        return str(state["llm"].generate(messages, max_new_tokens=256))

    return complete


def parse_facts(raw: str, *, source: str = "user") -> list[Fact]:
    """Parse the model's JSON into Facts; ValueError names what was wrong."""
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError("empty output")
    body = raw.strip()
    fenced = re.search(r"```(?:json)?\s*(.*?)```", body, re.S)
    if fenced:
        body = fenced.group(1)
    start = min((i for i in (body.find("{"), body.find("[")) if i >= 0), default=-1)
    if start < 0:
        raise ValueError(f"no JSON object in output: {raw[:80]!r}")
    try:
        data, _ = json.JSONDecoder().raw_decode(body[start:])
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON: {exc}") from None
    items = data.get("facts") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ValueError('expected {"facts": [...]}')
    return [f for f in (_fact_from_json(item, source) for item in items) if f is not None]


def _fact_from_json(item: Any, source: str) -> Fact | None:
    if not isinstance(item, dict):
        raise ValueError(f"each fact must be an object, got {item!r:.60}")
    try:
        subject = str(item.get("subject") or USER).strip().lower()
        attribute = canonical(str(item["attribute"]))
        value = str(item["value"]).strip()
    except KeyError as exc:
        raise ValueError(f"fact without {exc.args[0]!r}: {item!r:.80}") from None
    if not attribute or not value:
        return None
    subject = USER if subject in ("i", "me", "user", "the user", "myself") else subject
    negated = bool(item.get("negated", False))
    confidence = float(item.get("confidence", 0.8))
    return Fact(
        subject=subject,
        attribute=attribute,
        value=value,
        negated=negated,
        text=render(subject, attribute, value, negated),
        confidence=min(1.0, max(0.0, confidence)),
        source=source,
    )


__all__ = ["LLMExtractor", "local_model_completion", "parse_facts"]
