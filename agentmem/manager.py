"""Memory: the facade that routes sensory -> short-term -> long-term, and delegates.

Each public method validates its arguments (scope first), then hands the work to the
module that owns it. Nothing here touches SQL or the vector index directly.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from agentmem.adapters.embeddings import MODEL_LOAD_LOCK, Embedder
from agentmem.checks import check_datetime, check_metadata, check_string, check_text
from agentmem.config import MemoryConfig
from agentmem.consolidation import SUMMARIZERS, Consolidator, Summarizer, make_summarizer
from agentmem.consolidation.worker import ConsolidationRunner
from agentmem.context import ContextBuilder
from agentmem.errors import ConflictStateError, ModelError, ValidationError
from agentmem.facts import derived, lifecycle, resolver
from agentmem.facts import review as undo
from agentmem.facts.extraction import EXTRACTORS, FactExtractor, make_extractor
from agentmem.llm import chat
from agentmem.long_term import LongTermMemory, WritePlan, episodes, event, new_id, timeref
from agentmem.long_term.foreground import FOREGROUND
from agentmem.long_term.keyed import KeyedMemories
from agentmem.long_term.plans import revise
from agentmem.sensory import SensoryMemory
from agentmem.short_term import ShortTermMemory, TokenCounter, lazy_token_counter
from agentmem.stores import readonly
from agentmem.stores.sql import MemoryQuery
from agentmem.types import (
    KINDS,
    ROLES,
    AdapterInfo,
    ChatReply,
    Conflict,
    ConsolidationReport,
    Context,
    Episode,
    Fact,
    MemoryEvent,
    MemoryRecord,
    Observation,
    Scope,
    SearchHit,
    as_utc,
    utcnow,
)

log = logging.getLogger(__name__)


class Memory:
    """agentmem's public entry point. See DESIGN.md for the contract."""

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
        self.consolidation_runner = ConsolidationRunner(
            self.short_term,
            self.consolidator,
            self._layers_lock,
            background=cfg.background,
            max_backlog=cfg.max_backlog,
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

    # --- long-term memory: records ----------------------------------------------------
    def add(
        self,
        text: str,
        scope: Scope | str,
        metadata: dict[str, Any] | None = None,
        *,
        kind: str = "note",
        importance: float = 0.5,
        source: str = "user",
        valid_from: datetime | None = None,
        observed_at: datetime | None = None,
        fact: Fact | dict[str, Any] | None = None,
    ) -> MemoryRecord:
        """Store one memory; it passes through conflict resolution first.

        A note whose text states one fact ("I moved to Paris") is stored as that fact;
        `fact=` gives the fact explicitly. `observed_at` is when it was said (default now),
        `valid_from` when it became true (default `observed_at`).
        """
        return self.add_many(
            [text],
            scope,
            [metadata] if metadata is not None else None,
            kind=kind,
            importance=importance,
            source=source,
            valid_from=valid_from,
            observed_at=observed_at,
            facts=None if fact is None else [fact],
        )[0]

    def add_many(
        self,
        texts: list[str],
        scope: Scope | str,
        metadatas: list[dict[str, Any] | None] | None = None,
        *,
        kind: str = "note",
        importance: float = 0.5,
        source: str = "user",
        valid_from: datetime | None = None,
        observed_at: datetime | None = None,
        facts: list[Fact | dict[str, Any] | None] | None = None,
    ) -> list[MemoryRecord]:
        """Store many memories of one scope with one batched embedding and one transaction."""
        scope = Scope.coerce(scope)
        if not isinstance(texts, list | tuple) or not texts:
            raise ValidationError("texts must be a non-empty list of strings")
        metadatas = list(metadatas) if metadatas is not None else [None] * len(texts)
        if len(metadatas) != len(texts):
            raise ValidationError(f"got {len(texts)} texts but {len(metadatas)} metadata dicts")
        facts = list(facts) if facts is not None else [None] * len(texts)
        if len(facts) != len(texts):
            raise ValidationError(f"got {len(texts)} texts but {len(facts)} facts")
        _check_kind(kind)
        _check_unit("importance", importance)
        _check_source(source)
        now = check_datetime(observed_at, "observed_at") if observed_at is not None else utcnow()
        if kind == "episode":
            return self._add_episodes(texts, scope, metadatas, facts, source, now, valid_from)
        valid_from = check_datetime(valid_from, "valid_from") if valid_from is not None else None
        candidates = [
            MemoryRecord(
                id=new_id(),
                text=check_text(t, self.config.max_text_chars),
                scope=scope,
                kind=kind,
                metadata=_with_dates(check_metadata(m), t, now),
                importance=importance,
                source=source,
                created_at=now,
                updated_at=now,
                valid_from=valid_from or now,
                recorded_at=now,
            )
            for t, m in zip(texts, metadatas, strict=True)
        ]
        extractor = derived.text_extractor(self.config.consolidation.extractor)
        records, own = derived.with_facts(candidates, facts, extractor)
        with self._layers_lock:  # plan and write as one step: no other thread plans between
            plan, results = resolver.resolve_many(records, self.long_term, actor=source)
            self.long_term.apply(plan)
        return [results[i] for i in own]

    def _add_episodes(
        self,
        texts: list[str],
        scope: Scope,
        metadatas: list[dict[str, Any] | None],
        facts: list[Any],
        source: str,
        said_at: datetime,
        valid_from: datetime | None,
    ) -> list[MemoryRecord]:
        """Texts stored as what was said (`kind="episode"`): each is an episode of the
        scope's session, in order, never merged with another (two identical turns said
        at different times are two episodes), logged as `observe` logs a turn but straight
        into long-term memory (no working context, no consolidation pass). One
        transaction; the vectors follow in the background (full text finds them at once)."""
        if any(f is not None for f in facts) or valid_from is not None:
            raise ValidationError(
                "an episode is stored as said, valid from when it was said: pass "
                "observed_at, and no facts or valid_from (or store them with kind='note')"
            )
        role = source if source in ROLES else "user"
        texts = [check_text(t, self.config.max_text_chars) for t in texts]
        metas = [m if m is not None else {} for m in metadatas]
        return self.sensory.record_many(role, texts, scope, metas, said_at=said_at, actor=source)

    def get(
        self, memory_id: str, scope: Scope | str, *, as_of: datetime | None = None
    ) -> MemoryRecord:
        """The memory with this id in the caller's scope (its version valid at `as_of`)."""
        as_of = check_datetime(as_of, "as_of") if as_of is not None else None
        return self.long_term.get(_check_id(memory_id), Scope.coerce(scope), as_of=as_of)

    def update(
        self,
        memory_id: str,
        text: str,
        scope: Scope | str,
        *,
        metadata: dict[str, Any] | None = None,
        actor: str = "user",
        reason: str = "updated by caller",
    ) -> MemoryRecord:
        """Replace a memory's text; the old version stays in history and in `as_of` reads."""
        scope = Scope.coerce(scope)
        text = check_text(text, self.config.max_text_chars)
        current = self.long_term.get(_check_id(memory_id), scope)
        if current.status != "active":
            raise ConflictStateError(
                f"memory {memory_id!r} is {current.status}; restore it before updating it"
            )
        values: dict[str, Any] = {}
        if metadata is not None:
            values["metadata"] = check_metadata(metadata)
        extractor = derived.text_extractor(self.config.consolidation.extractor)
        values.update(_slot_of(current, text, values.get("metadata", current.metadata), extractor))
        plan = revise(current, text, utcnow(), actor=actor, reason=reason, **values)
        self.long_term.apply(plan)
        return self.long_term.get(current.id, scope)

    def delete(
        self,
        memory_id: str,
        scope: Scope | str,
        *,
        actor: str = "user",
        reason: str = "deleted by caller",
    ) -> None:
        """Soft delete: the memory stops being valid now; its history is kept."""
        scope = Scope.coerce(scope)
        current = self.long_term.get(_check_id(memory_id), scope)
        if current.status == "deleted":
            return
        now = utcnow()
        plan = WritePlan(
            updates=[
                (
                    current.id,
                    scope.user_id,
                    {"status": "deleted", "valid_to": now, "updated_at": now},
                )
            ],
            events=[
                event("DELETE", current, actor=actor, reason=reason, old_text=current.text, at=now)
            ],
        )
        self.long_term.apply(plan)

    def search(
        self,
        query: str,
        scope: Scope | str,
        *,
        mode: str = "hybrid",
        top_k: int = 10,
        filters: dict[str, Any] | None = None,
        as_of: datetime | str | None = None,
        explain: bool = False,
    ) -> list[SearchHit]:
        """Find memories by full text, meaning, or both; scores are in [0, 1]."""
        return self.long_term.search(
            query,
            Scope.coerce(scope),
            mode=mode,
            top_k=top_k,
            filters=filters,
            as_of=as_of,
            explain=explain,
        )

    def list_memories(
        self,
        scope: Scope | str,
        *,
        kind: str | None = None,
        status: str = "active",
        limit: int | None = None,
    ) -> list[MemoryRecord]:
        """The scope's memories (an agent's own and the user's shared), newest first."""
        scope = Scope.coerce(scope)
        if kind is not None:
            _check_kind(kind)
        query = MemoryQuery(
            user_id=scope.user_id,
            agent_id=scope.agent_id,
            kinds=[kind] if kind else None,
            statuses=[status],
        )
        return self.long_term.find(query, limit=limit)

    def keyed(self, scope: Scope | str, space: str) -> KeyedMemories:
        """Notes addressed by the caller's own keys in a named space of the scope (put, get,
        delete, records), as LangChain's stores use them."""
        return KeyedMemories(self, Scope.coerce(scope), space)

    def clear_session(self, scope: Scope | str) -> int:
        """Consolidate the scope's session into long-term memory, then delete its transcript
        (what was learned stays); returns the episodes deleted."""
        scope = Scope.coerce(scope)
        self.consolidate(scope)
        with self._layers_lock:
            deleted = self.long_term.clear_episodes(scope)
            self.short_term.forget(scope)
        return deleted

    def history(self, memory_id: str, scope: Scope | str) -> list[MemoryEvent]:
        """Every audit event of this memory and of the versions before and after it."""
        return self.long_term.history(_check_id(memory_id), Scope.coerce(scope))

    def sources(self, memory_id: str, scope: Scope | str) -> list[Episode]:
        """The episodes a summary or fact came from (its provenance), oldest first; an
        episode's own memory gives itself."""
        scope = Scope.coerce(scope)
        record = self.long_term.get(_check_id(memory_id), scope)
        return episodes.sources(self.long_term, record, scope)

    # --- facts over time: conflicts, review, undo, lifecycle --------------------------
    def facts(
        self,
        scope: Scope | str,
        *,
        subject: str | None = None,
        attribute: str | None = None,
        as_of: datetime | None = None,
        include_history: bool = False,
    ) -> list[MemoryRecord]:
        """Facts of the scope: the current ones, those valid at `as_of`, or every version."""
        return resolver.facts(
            self.long_term,
            Scope.coerce(scope),
            subject=subject,
            attribute=attribute,
            as_of=check_datetime(as_of, "as_of") if as_of is not None else None,
            include_history=include_history,
        )

    def conflicts(self, scope: Scope | str, *, status: str | None = "open") -> list[Conflict]:
        """Conflicts waiting for review (`status=None`: resolved ones too)."""
        scope = Scope.coerce(scope)
        return self.long_term.conflicts(scope, status)

    def resolve_conflict(
        self, conflict_id: str, choice: str, scope: Scope | str, *, actor: str = "user"
    ) -> list[MemoryEvent]:
        """Close a conflict keeping `choice` (a memory id, "new", "old" or "dismiss")."""
        with self._layers_lock:
            plan = undo.plan_resolve_conflict(
                self.long_term,
                Scope.coerce(scope),
                _check_id(conflict_id),
                choice,
                actor=actor,
                now=utcnow(),
            )
            self.long_term.apply(plan)
        return plan.events

    def restore(self, event_id: str, scope: Scope | str, *, actor: str = "user") -> MemoryRecord:
        """Undo what one audit event did (a resolution, update, delete, merge or archival)."""
        scope = Scope.coerce(scope)
        with self._layers_lock:
            plan, memory_id = undo.plan_restore(
                self.long_term, scope, _check_id(event_id), actor=actor, now=utcnow()
            )
            self.long_term.apply(plan)
        return self.long_term.get(memory_id, scope)

    def sweep(self, scope: Scope | str, *, now: datetime | None = None) -> list[MemoryEvent]:
        """Archive the scope's memories that outlived their kind's TTL or faded away."""
        plan = lifecycle.plan_sweep(
            self.long_term, Scope.coerce(scope), as_utc(now) if now is not None else utcnow()
        )
        self.long_term.apply(plan)
        return plan.events

    def purge(self, scope: Scope | str) -> None:
        """Hard-delete everything of the scope's user in every store (data-deletion requests)."""
        with self.consolidation_runner.paused():  # a running pass would write its summary back
            lifecycle.purge(self.long_term, Scope.coerce(scope), owner=self)
            self.short_term.forget()  # cached working contexts are rebuilt from (purged) SQL

    def sql(
        self, statement: str, scope: Scope | str, *, max_rows: int | None = None
    ) -> list[dict[str, Any]]:
        """Run one read-only SELECT over views that hold only the scope's rows (with an
        agent: its own and the user's shared ones). Limits come from `config.sql`; a result
        of more than `max_rows` rows is refused (QueryRefusedError), never cut short, and a
        statement past `sql.timeout_s` is stopped (QueryTimeoutError)."""
        scope = Scope.coerce(scope)
        limits = self.config.sql
        return readonly.run(
            self.long_term.engine,
            statement,
            scope,
            readonly.Limits(
                timeout_s=limits.timeout_s,
                max_rows=limits.max_rows if max_rows is None else max_rows,
                max_result_bytes=limits.max_result_bytes,
            ),
        )

    def reindex(self) -> int:
        """Rebuild the vector index from SQL; returns the number of vectors written."""
        return self.long_term.reindex()

    # --- parametric memory: LoRA adapters of a scope's stable facts ---------------------
    @property
    def parametric(self) -> Any:
        """The scope adapters over the local model (`agentmem.parametric.ParametricMemory`),
        sharing `self.llm`'s weights, which load only when a model is needed."""
        with self._layers_lock:
            if getattr(self, "_parametric", None) is None:
                from agentmem.parametric.model import BaseLM
                from agentmem.parametric.service import ParametricMemory

                def base() -> BaseLM:
                    llm = self.llm
                    return BaseLM(llm.model, llm.tokenizer, str(llm.fingerprint))

                self._parametric = ParametricMemory(self.config, self.long_term, base=base)
            return self._parametric

    def train_adapter(
        self, scope: Scope | str, *, progress: bool = False, cancel: Any = None
    ) -> AdapterInfo:
        """Train a new adapter version on every active fact of the scope (user-level facts,
        or the agent's own when the scope names an agent) and make it current."""
        return self.parametric.train(Scope.coerce(scope), progress=progress, cancel=cancel)

    def adapters(self, scope: Scope | str) -> list[AdapterInfo]:
        """The scope's adapters, newest version first (status active, stale or inactive)."""
        return self.parametric.adapters(Scope.coerce(scope))

    def refresh_adapters(self, scope: Scope | str) -> list[AdapterInfo]:
        """Record which of the scope's adapters are stale (a fact they learned changed) and,
        with `lora.auto_rebuild`, retrain those; returns the scope's adapters. Reading
        adapters (`adapters`, `chat`) never trains."""
        scope = Scope.coerce(scope)
        for slot in (Scope(scope.user_id), Scope(scope.user_id, scope.agent_id)):
            self.parametric.refresh(slot)
        return self.adapters(scope)

    def rollback_adapter(self, scope: Scope | str, version: int | None = None) -> AdapterInfo:
        """Make an earlier adapter version (default: the previous one) the active one."""
        return self.parametric.rollback(Scope.coerce(scope), version)

    # --- chat: context -> local model (KV policy, adapter) -> reply, observed ------------
    @property
    def llm(self) -> Any:
        """The local language model (`agentmem.llm.LocalLLM`), loaded on first use."""
        with self._layers_lock:
            if getattr(self, "_llm", None) is None:
                from agentmem.llm import LocalLLM

                with MODEL_LOAD_LOCK:
                    self._llm = LocalLLM.load(self.config)
            return self._llm

    @llm.setter
    def llm(self, value: Any) -> None:
        self._llm = value

    def chat(
        self,
        message: str,
        scope: Scope | str,
        *,
        tiers: list[str] | None = None,
        messages: list[dict[str, str]] | None = None,
        max_new_tokens: int | None = None,
    ) -> ChatReply:
        """Answer `message` with the local model and memory; the turn is observed."""
        stream = self.chat_stream(
            message, scope, tiers=tiers, messages=messages, max_new_tokens=max_new_tokens
        )
        stream.text()
        return stream.reply

    def _usable_adapters(self, scope: Scope) -> tuple[list[AdapterInfo], list[str]]:
        """The scope's adapters if every one passes its checks; otherwise none and a warning
        for the reply: a refused adapter must not stop the chat, nor answer it."""
        adapters = self.parametric.current(scope)
        try:
            self.parametric.verify(adapters)
        except ModelError as exc:
            log.warning("adapter refused, answering with the base model: %s", exc)
            return [], [f"the scope's adapter was refused, so the base model answered: {exc}"]
        return adapters, []

    def chat_stream(
        self,
        message: str,
        scope: Scope | str,
        *,
        tiers: list[str] | None = None,
        messages: list[dict[str, str]] | None = None,
        max_new_tokens: int | None = None,
        observe: bool = True,
        stop: list[str] | None = None,
    ) -> chat.ChatStream:
        """Like `chat`, as text pieces while the model decodes (`.reply` at the end).

        `messages` is a conversation the client keeps (OpenAI style); memory then adds its
        memories and summary in front of it instead of its own recent turns. `observe=False`
        when the caller stores the turns itself (a message history over this memory).
        `stop`: strings that end the reply (not included)."""
        scope = Scope.coerce(scope)
        tiers = chat.check_tiers(tiers)
        client = chat.check_messages(messages) if messages is not None else None
        stop = chat.check_stop(stop)
        if observe:
            self.observe("user", message, scope)
        ctx = self.context(message, scope) if "text" in tiers else None
        adapters, warnings = self._usable_adapters(scope) if "parametric" in tiers else ([], [])
        turn = chat.ChatTurn(
            self,
            scope,
            tiers,
            chat.build_prompt(message, ctx, client),
            ctx,
            adapters,
            self.parametric.overrides(scope) if adapters else [],
            observe=observe,
            stop=stop,
            warnings=warnings,
        )
        with self._layers_lock:
            lock = self.__dict__.setdefault("_chat_lock", threading.Lock())
        activate = (lambda: self.parametric.activated(scope)) if adapters else None
        pieces = turn.pieces(max_new_tokens or self.config.llm.max_new_tokens)
        return chat.ChatStream(pieces, turn.finish, lock, activate)


def _check_id(memory_id: Any) -> str:
    if not isinstance(memory_id, str) or not memory_id or len(memory_id) > 64:
        raise ValidationError(f"memory id must be a non-empty string, got {memory_id!r}")
    return check_string(memory_id, "memory id")


def _check_source(source: str) -> None:
    if not isinstance(source, str) or not source.strip() or len(source) > 32:
        raise ValidationError(
            f"source must be a short non-empty string such as 'user', 'tool' "
            f"or 'assistant', got {source!r}"
        )
    check_string(source, "source")


def _with_dates(metadata: dict[str, Any], text: Any, said_at: datetime) -> dict[str, Any]:
    """Relative dates of a stored text ("yesterday") resolved against when it was said."""
    if not isinstance(text, str) or "dates" in metadata:
        return metadata
    refs = timeref.resolve(text, said_at)
    return {**metadata, "dates": [r.as_dict() for r in refs]} if refs else metadata


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValidationError(f"kind must be one of {list(KINDS)}, got {kind!r}")


def _check_unit(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValidationError(f"{name} must be a number in [0, 1], got {value!r}")


def _slot_of(
    current: MemoryRecord, text: str, metadata: dict[str, Any], extractor: FactExtractor
) -> dict[str, Any]:
    """The fact fields of a note or fact after its text changed, read again from the new
    text, so that a fact's value follows its text ("I live in Paris" is no longer Berlin).
    A text the extractor cannot read as a fact keeps the fields it had. Summaries and
    episodes keep their fields."""
    if current.kind not in derived.READ_KINDS:
        return {}
    probe = dataclasses.replace(
        current, text=text, kind="note", subject=None, attribute=None, value=None, metadata={}
    )
    [facts] = extractor.extract_many(
        [text], source=current.source, speakers=[derived.speaker_of(metadata)]
    )
    # A text that states several facts stays the fact of its slot when one of them fills
    # it ("I live in Porto, in Ribeira" is still where the user lives).
    same_slot = [
        f
        for f in facts
        if current.is_fact and (f.subject, f.attribute) == (current.subject, current.attribute)
    ]
    chosen = max(same_slot, key=lambda f: f.confidence) if same_slot else None
    if chosen is None and len(facts) == 1:
        chosen = facts[0]
    reread = derived.with_fact(probe, chosen) if chosen is not None else probe
    if not reread.is_fact:
        return {}
    meta = {k: v for k, v in metadata.items() if k != "negated"}
    meta.update({k: v for k, v in reread.metadata.items() if k == "negated"})
    return {
        "kind": reread.kind,
        "subject": reread.subject,
        "attribute": reread.attribute,
        "value": reread.value,
        "confidence": reread.confidence,
        "metadata": meta,
    }
