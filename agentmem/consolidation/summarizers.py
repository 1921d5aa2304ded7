"""Summarisers: fold conversation turns into a summary of at most a token budget.

A turn is `(role, content)` or `(role, content, speaker)`; a summary sentence keeps its
speaker ("Jon: lost my job as a banker yesterday (7 May 2023)."), the speaker's name when
one was given, else the role. Each consolidation pass summarises its turns into a chunk
summary (`summarize`), then the session summary is composed from chunk summaries
(`compose`): every sentence of a session summary comes from a chunk summary that stays.

The extractive summariser ranks sentences by what a person states (names, numbers, dates,
plans, preferences: `sensory.salience`, with a named speaker read as a person, not an
assistant), less how typical a sentence is of the pool (conversational filler recurs, a
stated fact is said once), and leaves out small talk in which it finds nothing stated,
and pure filler (greetings, acknowledgements), whenever anything else is there. An
assistant's sentence whose names and numbers only echo what the people said ("Nice to
meet you, Maya!") counts as small talk. Model-backed summarisers (the local model, any
LangChain chat model) fall back to it when the output is empty, too long or off-format, so a
summary always exists and never grows past its budget.
"""

from __future__ import annotations

import functools
import logging
import re
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from agentmem import prompts
from agentmem.adapters import chat_models
from agentmem.adapters.embeddings import Embedder
from agentmem.errors import ConfigError
from agentmem.registry import Registry
from agentmem.short_term import TokenCounter

log = logging.getLogger(__name__)
Turns = Sequence[tuple[str, ...]]  # (role, content) or (role, content, speaker), oldest first
FILLER = 0.05  # sensory.salience of greetings and acknowledgements
# sensory.salience of a sentence in which it finds nothing stated (no first person, name,
# number, date, preference or plan): "Busy.", "Once a year.", "How is life there?". Every
# turn stays an episode, so a summary that keeps such sentences only repeats the transcript.
PLAIN = 0.15
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_OFF_FORMAT = re.compile(
    r"^\s*(?:[{\[]|```)|^(?:user|assistant|system|human)\s*:|"
    r"summary so far|new conversation turns",
    re.I | re.M,
)
_ROLES = ("user", "assistant", "tool", "document", "system")
_LABEL = re.compile(r"^([A-Z][\w'.-]*(?: [A-Z][\w'.-]*){0,2}): (.+)$", re.S)


class Summarizer(ABC):
    """Fold new turns into a running summary of at most `max_tokens` tokens."""

    name: str = "summarizer"

    def summarize(self, previous: str, turns: Turns, max_tokens: int) -> str:
        if not turns:
            return previous
        return self._summarize(previous, list(turns), max_tokens)

    def compose(self, previous: str, chunk: str, max_tokens: int) -> str:
        """A session summary from the previous one and a new chunk summary (their
        sentences, already labelled with their speakers)."""
        return self.summarize(previous, [("summary", chunk)], max_tokens) if chunk else previous

    @abstractmethod
    def _summarize(self, previous: str, turns: list[tuple[str, ...]], max_tokens: int) -> str:
        """The updated summary (plain text)."""


class ExtractiveSummarizer(Summarizer):
    """Keeps the sentences that state the most, scored by salience less typicality.

    Sentences of the previous summary compete with the new turns' sentences; a greedy
    pick that skips near-duplicates fills the token budget, then the chosen sentences are
    written in their original order. Embeddings of recent sentences are cached.
    """

    name = "extractive"

    def __init__(
        self,
        embedder: Embedder | Callable[[], Embedder],
        counter: TokenCounter,
        *,
        redundancy: float = 0.85,
        typicality: float = 0.3,
        cache_size: int = 4096,
    ) -> None:
        self._embedder = embedder
        self.count = counter
        self._tokens = functools.lru_cache(maxsize=cache_size)(counter)  # sentences recur
        self.redundancy = redundancy
        self.typicality = typicality
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size

    @property
    def embedder(self) -> Embedder:
        if not isinstance(self._embedder, Embedder):
            self._embedder = self._embedder()
        return self._embedder

    def _summarize(self, previous: str, turns: list[tuple[str, ...]], max_tokens: int) -> str:
        said = " ".join(t[1] for t in turns if t[0] != "assistant" or (len(t) > 2 and t[2]))
        items = [
            (text, PLAIN if _echoes(turn, text, said) else weight)
            for turn in turns
            for text, weight in _labelled(*turn)
        ]
        return self._choose(previous, items, max_tokens)

    def compose(self, previous: str, chunk: str, max_tokens: int) -> str:
        """Picks sentences of the previous session summary and the new chunk summary."""
        if not chunk:
            return previous
        return self._choose(previous, _labelled("summary", chunk), max_tokens)

    def _choose(self, previous: str, new: list[tuple[str, float]], max_tokens: int) -> str:
        # older sentences fade a little, so that new information wins a tie
        items = [(s, 0.9 * _salience(*_unlabel(s))) for s in _sentences(previous)]
        items = list(dict.fromkeys(items + new))
        # small talk only when nothing is stated, filler only when nothing else was said
        stated = [item for item in items if item[1] > PLAIN]
        items = stated or [item for item in items if item[1] > FILLER] or items
        if not items:
            return previous
        vectors = self._vectors([s for s, _ in items])
        return " ".join(items[i][0] for i in sorted(self._pick(items, vectors, max_tokens)))

    def _pick(self, items: list[tuple[str, float]], vectors: np.ndarray, budget: int) -> list[int]:
        base = np.array([w for _, w in items]) - self.typicality * _typicality(vectors)
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


def _typicality(vectors: np.ndarray) -> np.ndarray:
    """Each sentence's mean similarity to the others: high for the filler a conversation
    repeats, low for what is said once."""
    n = len(vectors)
    if n < 2:
        return np.zeros(n)
    sims = np.clip(vectors @ vectors.T, 0.0, 1.0)
    return (sims.sum(axis=1) - np.diag(sims)) / (n - 1)


def _labelled(role: str, content: str, speaker: str | None = None) -> list[tuple[str, float]]:
    """A turn's sentences as (labelled sentence, salience). A named speaker is a person
    stating things (scored as a user); a 'summary' turn holds labelled sentences already."""
    if role == "summary":
        return [(s, _salience(*_unlabel(s))) for s in _sentences(content)]
    if role == "system":
        return []
    label = speaker or role.capitalize()
    scored_as = "user" if speaker and speaker.lower() not in _ROLES else role
    return [(f"{label}: {s}", _salience(s, scored_as)) for s in _sentences(content)]


_MARKS = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+\b|\d+")


def _echoes(turn: tuple[str, ...], sentence: str, said: str) -> bool:
    """An unnamed assistant's sentence whose names and numbers (capitalised words inside
    the sentence, digits) all occur in what the people of the chunk said: it
    acknowledges, it states nothing new."""
    if turn[0] != "assistant" or (len(turn) > 2 and turn[2]):
        return False
    marks = _MARKS.findall(sentence.split(": ", 1)[-1])
    return bool(marks) and all(re.search(rf"\b{re.escape(m)}\b", said) for m in marks)


def _unlabel(sentence: str) -> tuple[str, str]:
    """'User: I live in Oslo.' -> ('I live in Oslo.', 'user'); 'Jon: ...' -> (..., 'user')."""
    m = _LABEL.match(sentence)
    if m is None:
        return sentence, "user"
    head, rest = m.group(1), m.group(2)
    return rest, head.lower() if head.lower() in _ROLES else "user"


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

    def compose(self, previous: str, chunk: str, max_tokens: int) -> str:
        """Picks sentences of the chunk summaries the model wrote: no second model call."""
        return self.fallback.compose(previous, chunk, max_tokens)

    def _summarize(self, previous: str, turns: list[tuple[str, ...]], max_tokens: int) -> str:
        spoken = [(t[2] if len(t) > 2 and t[2] else t[0], t[1]) for t in turns]
        messages = prompts.summary_messages(previous, spoken, self.max_words)
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
        return chat_models.complete(self.model, messages)


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


__all__ = [
    "SUMMARIZERS",
    "ExtractiveSummarizer",
    "LangChainSummarizer",
    "LocalLLMSummarizer",
    "ModelSummarizer",
    "Summarizer",
    "Turns",
    "make_summarizer",
]
