"""Memory: the facade that routes sensory -> short-term -> long-term, and delegates.

Each public method validates its arguments (scope first), then hands the work to the
module that owns it. Nothing here touches SQL or the vector index directly.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from agentmem.adapters.embeddings import Embedder
from agentmem.config import MemoryConfig
from agentmem.consolidation import SUMMARIZERS, Consolidator, Summarizer, make_summarizer
from agentmem.consolidation.worker import ConsolidationRunner
from agentmem.context import ContextBuilder
from agentmem.facade.add_writer import AddWriter
from agentmem.facade.models import Models
from agentmem.facade.records import Records
from agentmem.facade.review import Review
from agentmem.facts import resolver
from agentmem.facts.extraction import EXTRACTORS, FactExtractor, make_extractor
from agentmem.long_term import LongTermMemory, episodes
from agentmem.long_term.foreground import FOREGROUND
from agentmem.sensory import SensoryMemory
from agentmem.short_term import ShortTermMemory, TokenCounter, lazy_token_counter
from agentmem.types import ConsolidationReport, Context, Observation, Scope

log = logging.getLogger(__name__)


class Memory(Records, Review, Models):
    """agentmem's public entry point. See DESIGN.md for the contract.

    This module holds the layered path (observe, context, consolidate) and the object's
    life; `agentmem.facade` holds the methods over records, facts and models."""

    def __init__(
        self,
        config: MemoryConfig | None = None,
        *,
        embedder: Embedder | None = None,
        judge: Any = None,
        token_counter: TokenCounter | None = None,
        summarizer: Summarizer | None = None,
        extractor: FactExtractor | None = None,
        chat_model: Any = None,
        **overrides: Any,
    ) -> None:
        if config is None:
            config = MemoryConfig.create(**overrides)
        elif overrides:
            config = config.with_overrides(**overrides)
        self.config = config
        if summarizer is None:  # a name nothing is registered under: refused before any write
            SUMMARIZERS.check(config.consolidation.summarizer)
        if extractor is None:
            EXTRACTORS.check(config.consolidation.extractor)
        config.home.mkdir(parents=True, exist_ok=True)
        self.long_term = LongTermMemory(config, embedder)
        # Optional LangChain chat model that classifies pairs the conflict rules find ambiguous.
        self.long_term.judge = resolver.LLMJudge(judge) if judge is not None else None
        self._init_layers(token_counter, summarizer, extractor, chat_model)

    def _init_layers(
        self,
        counter: TokenCounter | None,
        summarizer: Summarizer | None,
        extractor: FactExtractor | None,
        chat_model: Any,
    ) -> None:
        """Sensory, short-term and consolidation layers; chat_model serves 'langchain'/'llm'."""
        cfg, st = self.config.consolidation, self.config.short_term
        counter = counter or lazy_token_counter(self.config)
        self.sensory = SensoryMemory(self.long_term, max_chunk_chars=st.max_chunk_chars)
        episodes.backfill(self.long_term)  # episodes logged before they had memory rows
        self.short_term = ShortTermMemory(
            self.long_term, counter, max_tokens=st.max_tokens, target_ratio=st.target_ratio
        )
        self.consolidator = Consolidator(
            self.long_term,
            extractor or make_extractor(cfg.extractor, chat_model=chat_model, config=self.config),
            summarizer
            or make_summarizer(
                cfg.summarizer,
                lambda: self.long_term.embedder,
                counter,
                chat_model=chat_model,
                config=self.config,
            ),
            summary_tokens=cfg.summary_tokens,
            salience_threshold=st.salience_threshold,
        )
        self.context_builder = ContextBuilder(self.long_term, counter, top_k=cfg.context_top_k)
        self._layers_lock = threading.RLock()
        self._add_writer = AddWriter(self.long_term, self._layers_lock)
        self.consolidation_runner = ConsolidationRunner(
            self.short_term, self.consolidator, self._layers_lock, cfg
        )

    @classmethod
    def from_config(cls, path: str | Path, **kwargs: Any) -> Memory:
        """Open memory with the settings of a TOML file."""
        return cls(MemoryConfig.from_toml(path), **kwargs)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait for background work: queued consolidation passes, then the vector index.
        False if the passes did not finish within `timeout` seconds."""
        done = self.consolidation_runner.flush(timeout)
        self.long_term.flush()
        return done

    def close(self) -> None:
        """Finish queued background consolidation, then close the stores."""
        self.consolidation_runner.close()
        self.long_term.close()

    def __enter__(self) -> Memory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the layered path: sensory -> short-term -> long-term ----------------------------
    def observe(
        self,
        role: str,
        content: str,
        scope: Scope | str,
        *,
        metadata: dict[str, Any] | None = None,
        observed_at: datetime | None = None,
        speaker: str | None = None,
    ) -> Observation:
        """Take one input: log it (an episode, searchable for as long as the user's memory
        lives), read its facts, add it to the working context, and consolidate the oldest
        turns when the context is over its token budget (on the background worker unless
        `consolidation.background` is off).

        `observed_at` is when it was said (default now; relative dates such as "yesterday"
        are resolved against it); `speaker` names who said it in a multi-party
        conversation ("Jon"), beside the role."""
        scope = Scope.coerce(scope)
        with FOREGROUND.call(), self._layers_lock:  # background threads step aside
            logged = self.sensory.record(  # before all else
                role, content, scope, metadata, said_at=observed_at, speaker=speaker
            )
            facts, events = [], []
            if self.consolidator.extractor.quick is not None:
                try:
                    facts, events = self.consolidator.extract(logged, quick=True)
                except Exception:  # the episode is logged; the next consolidation retries
                    log.exception("fact extraction failed; it is retried at consolidation")
            tokens = self.short_term.append(scope, logged).tokens
        report, scheduled = self.consolidation_runner.appended(scope, tokens)
        return Observation(
            episode_ids=[e.id for e in logged],
            salience=max(e.salience for e in logged),
            facts=facts + (report.facts if report else []),
            events=events + (report.events if report else []),
            consolidated=bool(report and report.episodes),
            consolidation_scheduled=scheduled,
        )

    def context(
        self, query: str | None, scope: Scope | str, max_tokens: int | None = None
    ) -> Context:
        """A prompt for answering `query`: preamble, memories, session summary, recent turns."""
        scope = Scope.coerce(scope)
        working = self.short_term.snapshot(scope)  # a background pass may change the original
        return self.context_builder.build(
            query, scope, working, max_tokens or self.config.short_term.context_tokens
        )

    def consolidate(self, scope: Scope | str, *, everything: bool = True) -> ConsolidationReport:
        """Fold the session's working turns (all, or only the overflow) into long-term memory;
        waits for a background pass that is running."""
        return self.consolidation_runner.run(Scope.coerce(scope), everything=everything)
