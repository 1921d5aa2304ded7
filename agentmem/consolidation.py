"""Consolidation: turn short-term overflow into long-term memory.

One pass over a session's oldest turns:
  1. facts: the extractor reads the user's salient turns; each fact passes through
     conflict resolution (`resolver.resolve`) and is stored with its audit events;
  2. summary: the summariser folds the turns into the session's rolling summary, a
     memory of kind "summary" that is updated in place (old versions kept in history);
  3. the episodes are marked consolidated and leave the working context.
Each step's failure is logged and reported; episodes are marked consolidated only once
the summary holds them, so a failed pass leaves them in the working context to retry.

Summarisers share one interface. Model-backed ones (the local model, any LangChain chat
model) fall back to `ExtractiveSummarizer` when the output is empty, too long or
off-format, so a summary always exists and never grows past its budget.
"""

from __future__ import annotations

import functools
import logging
import re
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from agentmem import prompts, resolver
from agentmem.adapters.embeddings import Embedder
from agentmem.errors import ConfigError
from agentmem.extraction import FactExtractor
from agentmem.long_term import LongTermMemory, WritePlan, event, new_id
from agentmem.registry import Registry
from agentmem.short_term import TokenCounter
from agentmem.types import (
    ConsolidationReport,
    Episode,
    Fact,
    MemoryEvent,
    MemoryRecord,
    Scope,
    utcnow,
)

log = logging.getLogger(__name__)
Turns = Sequence[tuple[str, str]]  # (role, content), oldest first
_NO_LOCK = nullcontext()
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_OFF_FORMAT = re.compile(
    r"^\s*(?:[{\[]|```)|^(?:user|assistant|system|human)\s*:|"
    r"summary so far|new conversation turns",
    re.I | re.M,
)


class Summarizer(ABC):
    """Fold new turns into a running summary of at most `max_tokens` tokens."""

    name: str = "summarizer"

    def summarize(self, previous: str, turns: Turns, max_tokens: int) -> str:
        if not turns:
            return previous
        return self._summarize(previous, list(turns), max_tokens)

    @abstractmethod
    def _summarize(self, previous: str, turns: list[tuple[str, str]], max_tokens: int) -> str:
        """The updated summary (plain text)."""


class ExtractiveSummarizer(Summarizer):
    """Keeps the most informative sentences, scored by salience, centrality and novelty.

    Sentences of the previous summary compete with the new turns' sentences; a greedy
    maximal-marginal-relevance pick fills the token budget, then the chosen sentences are
    written in their original order. Embeddings of recent sentences are cached.
    """

    name = "extractive"

    def __init__(
        self,
        embedder: Embedder | Callable[[], Embedder],
        counter: TokenCounter,
        *,
        redundancy: float = 0.85,
        cache_size: int = 4096,
    ) -> None:
        self._embedder = embedder
        self.count = counter
        self._tokens = functools.lru_cache(maxsize=cache_size)(counter)  # sentences recur
        self.redundancy = redundancy
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size

    @property
    def embedder(self) -> Embedder:
        if not isinstance(self._embedder, Embedder):
            self._embedder = self._embedder()
        return self._embedder

    def _summarize(self, previous: str, turns: list[tuple[str, str]], max_tokens: int) -> str:
        # older sentences fade a little, so that new information wins a tie
        items = [(s, 0.9 * _salience(*_unlabel(s))) for s in _sentences(previous)]
        for role, content in turns:
            if role != "system":
                items += [
                    (f"{role.capitalize()}: {s}", _salience(s, role)) for s in _sentences(content)
                ]
        items = list(dict.fromkeys(items))
        if not items:
            return previous
        vectors = self._vectors([s for s, _ in items])
        return " ".join(items[i][0] for i in sorted(self._pick(items, vectors, max_tokens)))

    def _pick(self, items: list[tuple[str, float]], vectors: np.ndarray, budget: int) -> list[int]:
        centre = vectors.mean(axis=0)
        centre /= np.linalg.norm(centre) or 1.0
        base = np.array([w for _, w in items]) + 0.3 * (vectors @ centre)
        chosen: list[int] = []
        used = 0
        for i in np.argsort(-base, kind="stable"):
            cost = self._tokens(items[i][0]) + 1
            if used + cost > budget:
                continue
            if chosen and float(np.max(vectors[chosen] @ vectors[i])) > self.redundancy:
                continue
            chosen.append(int(i))
            used += cost
        return chosen

    def _vectors(self, sentences: list[str]) -> np.ndarray:
        missing = [s for s in dict.fromkeys(sentences) if s not in self._cache]
        if missing:
            for s, v in zip(missing, self.embedder.embed(missing), strict=True):
                self._cache[s] = v
        for s in sentences:
            self._cache.move_to_end(s)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return np.stack([self._cache[s] for s in sentences])


@functools.lru_cache(maxsize=8192)
def _salience(text: str, role: str) -> float:
    from agentmem.sensory import salience  # the summary's own sentences are scored each pass

    return salience(text, role)


def _unlabel(sentence: str) -> tuple[str, str]:
    """'User: I live in Oslo.' -> ('I live in Oslo.', 'user')."""
    head, sep, rest = sentence.partition(": ")
    if sep and head.lower() in ("user", "assistant", "tool", "document"):
        return rest, head.lower()
    return sentence, "user"


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text or "") if len(s.strip()) > 1]


class ModelSummarizer(Summarizer):
    """A summariser backed by a language model, with the extractive fallback.

    The output is rejected (and the fallback used) when it is empty, longer than
    `max_tokens * tolerance`, or off-format (JSON, code fences, role transcripts, echoed
    prompt). `failures` counts the fallbacks.
    """

    def __init__(
        self,
        fallback: Summarizer,
        counter: TokenCounter,
        *,
        max_words: int = 120,
        tolerance: float = 1.5,
    ) -> None:
        self.fallback = fallback
        self.count = counter
        self.max_words = max_words
        self.tolerance = tolerance
        self.failures = 0

    def _summarize(self, previous: str, turns: list[tuple[str, str]], max_tokens: int) -> str:
        messages = prompts.summary_messages(previous, turns, self.max_words)
        try:
            text = self._generate(messages, max_tokens).strip()
            problem = self._problem(text, max_tokens)
        except Exception as exc:  # a failing model must not lose the turns
            log.exception("summariser %s failed", self.name)
            problem = f"model error: {type(exc).__name__}"
        if problem is None:
            return text
        self.failures += 1
        log.warning(
            "summariser %s: %s; using the %s fallback", self.name, problem, self.fallback.name
        )
        return self.fallback.summarize(previous, turns, max_tokens)

    def _problem(self, text: str, max_tokens: int) -> str | None:
        if not text:
            return "empty output"
        if self.count(text) > max_tokens * self.tolerance:
            return f"output over {max_tokens} tokens"
        if _OFF_FORMAT.search(text):
            return "output is not a plain summary"
        return None

    @abstractmethod
    def _generate(self, messages: list[dict[str, str]], max_tokens: int) -> str:
        """The model's reply to the prompt."""


class LangChainSummarizer(ModelSummarizer):
    """Any langchain-core `BaseChatModel` (hosted or local) as the summariser."""

    name = "langchain"

    def __init__(
        self, model: Any, fallback: Summarizer, counter: TokenCounter, **kwargs: Any
    ) -> None:
        super().__init__(fallback, counter, **kwargs)
        self.model = model

    def _generate(self, messages: list[dict[str, str]], max_tokens: int) -> str:
        roles = {"user": "human", "assistant": "ai", "system": "system"}
        reply = self.model.invoke([(roles[m["role"]], m["content"]) for m in messages])
        content = getattr(reply, "content", reply)
        return content if isinstance(content, str) else str(content)


class LocalLLMSummarizer(ModelSummarizer):
    """The local model (`agentmem.llm.LocalLLM`, loaded lazily on first use)."""

    name = "local-llm"

    def __init__(
        self,
        fallback: Summarizer,
        counter: TokenCounter,
        *,
        llm: Any = None,
        config: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(fallback, counter, **kwargs)
        self._llm = llm
        self._config = config

    @property
    def llm(self) -> Any:
        if self._llm is None:
            from agentmem.llm import LocalLLM  # heavy: only when a summary is needed

            self._llm = LocalLLM.load(self._config)
        return self._llm

    def _generate(self, messages: list[dict[str, str]], max_tokens: int) -> str:
        return str(self.llm.generate(messages, max_new_tokens=max_tokens))


def make_summarizer(
    kind: str,
    embedder: Embedder | Callable[[], Embedder],
    counter: TokenCounter,
    *,
    chat_model: Any = None,
    config: Any = None,
) -> Summarizer:
    """The summariser a config names (`SUMMARIZERS`), each model-backed one over the
    extractive fallback."""
    return SUMMARIZERS.create(
        kind, embedder=embedder, counter=counter, chat_model=chat_model, config=config
    )


def episode_speaker(episode: Episode) -> str | None:
    """Who "I" is in a turn of a conversation between people (`metadata["speaker"]`)."""
    speaker = episode.metadata.get("speaker")
    return speaker.strip() if isinstance(speaker, str) and speaker.strip() else None


def _langchain_summarizer(*, embedder, counter, chat_model, **_) -> Summarizer:
    if chat_model is None:
        raise ConfigError("consolidation.summarizer='langchain' needs Memory(chat_model=...)")
    return LangChainSummarizer(chat_model, ExtractiveSummarizer(embedder, counter), counter)


def _local_summarizer(*, embedder, counter, config, **_) -> Summarizer:
    return LocalLLMSummarizer(ExtractiveSummarizer(embedder, counter), counter, config=config)


# Summarisers by the name `consolidation.summarizer` gives; a factory takes the keywords
# embedder, counter, chat_model and config.
SUMMARIZERS: Registry[Summarizer] = Registry("summarizer", "consolidation.summarizer")
SUMMARIZERS.register(
    "extractive", lambda *, embedder, counter, **_: ExtractiveSummarizer(embedder, counter)
)
SUMMARIZERS.register("langchain", _langchain_summarizer)
SUMMARIZERS.register("local", _local_summarizer)


@dataclass
class Consolidator:
    """Runs consolidation passes: extraction + resolution, then the rolling summary."""

    long_term: LongTermMemory
    extractor: FactExtractor
    summarizer: Summarizer
    summary_tokens: int = 256
    salience_threshold: float = 0.35

    def extract(
        self,
        episodes: Sequence[Episode],
        lock: AbstractContextManager = _NO_LOCK,
        *,
        quick: bool = False,
    ) -> tuple[list[MemoryRecord], list[MemoryEvent]]:
        """Facts of the user's salient episodes, resolved and stored; marks them extracted.

        The extractor runs unlocked (it may be a model); resolution and the write hold
        `lock`, so that no other writer of the scope's facts plans in between."""
        todo = [e for e in episodes if self.wants_facts(e, quick=quick)]
        if not todo:
            return [], []
        facts = [f for e in todo for f in self._facts(e, quick=quick)]
        done = "quick" if quick and self.extractor.quick is not self.extractor else True
        with lock:
            records, events = self.store_facts(facts) if facts else ([], [])
            with self.long_term.sql.begin() as conn:
                for e in todo:
                    e.metadata["extracted"] = done
                    self.long_term.sql.update_episode_meta(conn, e.id, e.scope.user_id, e.metadata)
        return records, events

    def wants_facts(self, episode: Episode, *, quick: bool = False) -> bool:
        """A salient turn of the user or of a named speaker, not yet read (a turn the quick
        part read on `observe` is read again by the rest of the extractor here)."""
        done = episode.metadata.get("extracted")
        return (
            (episode.role == "user" or episode_speaker(episode) is not None)
            and episode.salience >= self.salience_threshold
            and (not done or (done == "quick" and not quick))
        )

    def _facts(self, episode: Episode, *, quick: bool = False) -> list[tuple[Episode, Fact]]:
        speaker, text = episode_speaker(episode), episode.content
        if quick:
            facts = self.extractor.quick.extract(text, source="user", speaker=speaker)
        elif episode.metadata.get("extracted") == "quick":
            facts = self.extractor.extract_more(text, source="user", speaker=speaker)
        else:
            facts = self.extractor.extract(text, source="user", speaker=speaker)
        return [(episode, f) for f in facts]

    def store_facts(
        self, facts: Sequence[tuple[Episode, Fact]]
    ) -> tuple[list[MemoryRecord], list[MemoryEvent]]:
        """Resolve each fact against what the scope holds (and the facts before it), then
        apply them in one plan: "I moved from Paris to Berlin" retracts Paris, adds Berlin."""
        plan, records = WritePlan(), []
        for episode, fact in facts:
            part, record = resolver.resolve(
                fact_record(fact, episode),
                self.long_term,
                actor=f"extractor:{self.extractor.name}",
                pending=plan,
            )
            plan.extend(part)
            records.append(record)
        self.long_term.apply(plan)
        return records, plan.events

    def run(
        self,
        scope: Scope,
        episodes: Sequence[Episode],
        summary: MemoryRecord | None,
        *,
        lock: AbstractContextManager = _NO_LOCK,
    ) -> tuple[ConsolidationReport, MemoryRecord | None]:
        """One pass over `episodes` (oldest first); returns the report and the new summary.

        Only fact resolution holds `lock` (see `extract`). The rolling summary has a single
        writer, the caller, which must serialise passes over the same scope."""
        report = ConsolidationReport(episodes=len(episodes))
        if not episodes:
            return report, summary
        try:
            report.facts, report.events = self.extract(episodes, lock)
        except Exception as exc:  # the turns stay logged; extraction is retried next pass
            log.exception("fact extraction failed during consolidation")
            report.errors.append(f"extraction: {type(exc).__name__}: {exc}")
        previous = summary.text if summary is not None else ""
        turns = [(e.role, e.content) for e in episodes]
        text = self.summarizer.summarize(previous, turns, self.summary_tokens).strip()
        summary, events = self._write_summary(scope, summary, text, episodes)
        report.summary_id = summary.id if summary is not None else None
        report.events += events
        with self.long_term.sql.begin() as conn:
            self.long_term.sql.mark_consolidated(conn, [e.id for e in episodes], scope.user_id)
        return report, summary

    def _write_summary(
        self, scope: Scope, current: MemoryRecord | None, text: str, episodes: Sequence[Episode]
    ) -> tuple[MemoryRecord | None, list[MemoryEvent]]:
        if not text or (current is not None and text == current.text):
            return current, []
        now = utcnow()
        meta = {
            "rolling_session": scope.session_id or "-",
            "through_seq": episodes[-1].seq,
            "summarizer": self.summarizer.name,
        }
        actor = f"consolidation:{self.summarizer.name}"
        if current is None:
            record = MemoryRecord(
                id=new_id(),
                text=text,
                scope=scope,
                kind="summary",
                metadata=meta,
                importance=0.6,
                source="consolidation",
                created_at=now,
                updated_at=now,
                valid_from=now,
                recorded_at=now,
            )
            plan = WritePlan(
                inserts=[record],
                events=[
                    event(
                        "ADD",
                        record,
                        actor=actor,
                        reason="session summary started",
                        new_text=text,
                        at=now,
                    )
                ],
            )
        else:
            old = replace(
                current,
                id=new_id(),
                status="superseded",
                valid_to=now,
                superseded_by=current.id,
                metadata=dict(current.metadata),
            )
            record = replace(
                current,
                text=text,
                metadata={**current.metadata, **meta},
                version=current.version + 1,
                valid_from=now,
                updated_at=now,
                recorded_at=now,
            )
            values = {
                "text": text,
                "metadata": record.metadata,
                "version": record.version,
                "valid_from": now,
                "updated_at": now,
                "recorded_at": now,
            }
            plan = WritePlan(
                inserts=[old],
                updates=[(current.id, scope.user_id, values)],
                events=[
                    event(
                        "UPDATE",
                        current,
                        actor=actor,
                        reason=f"{len(episodes)} turns summarised",
                        old_text=current.text,
                        new_text=text,
                        related_id=old.id,
                        at=now,
                    )
                ],
            )
        self.long_term.apply(plan)
        return record, plan.events


def fact_record(fact: Fact, episode: Episode) -> MemoryRecord:
    """The candidate long-term record of an extracted fact (before conflict resolution)."""
    now = utcnow()
    meta: dict[str, Any] = {"episode_id": episode.id, "negated": fact.negated}
    return MemoryRecord(
        id=new_id(),
        text=fact.text,
        scope=episode.scope,
        kind="fact",
        subject=fact.subject,
        attribute=fact.attribute,
        value=fact.value,
        metadata=meta,
        importance=0.7,
        confidence=fact.confidence,
        source=fact.source,
        created_at=now,
        updated_at=now,
        valid_from=fact.valid_from or episode.created_at,
        recorded_at=now,
    )


__all__ = [
    "Consolidator",
    "ExtractiveSummarizer",
    "LangChainSummarizer",
    "LocalLLMSummarizer",
    "ModelSummarizer",
    "Summarizer",
    "fact_record",
    "make_summarizer",
    "SUMMARIZERS",
]
