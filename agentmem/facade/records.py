"""`Memory`'s long-term records: add, read, revise, delete, search and list memories."""

from __future__ import annotations

import functools
import threading
from datetime import datetime
from typing import Any

from agentmem.checks import check_datetime, check_metadata, check_text
from agentmem.config import MemoryConfig
from agentmem.errors import ConflictStateError, ValidationError
from agentmem.facade.add_writer import AddWriter
from agentmem.facade.checks import (
    check_id,
    check_kind,
    check_source,
    check_unit,
    slot_of,
    with_dates,
)
from agentmem.facts import derived, endings, lookups
from agentmem.long_term import LongTermMemory, WritePlan, episodes, event, new_id
from agentmem.long_term.keyed import KeyedMemories
from agentmem.long_term.plans import revise
from agentmem.sensory import SensoryMemory
from agentmem.short_term import ShortTermMemory
from agentmem.stores.sql import MemoryQuery
from agentmem.types import ROLES, Episode, Fact, MemoryEvent, MemoryRecord, Scope, SearchHit, utcnow


class Records:
    """Memory's methods over long-term records (mixed into `agentmem.manager.Memory`)."""

    config: MemoryConfig
    long_term: LongTermMemory
    sensory: SensoryMemory
    short_term: ShortTermMemory
    _layers_lock: threading.RLock
    _add_writer: AddWriter

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
        check_kind(kind)
        check_unit("importance", importance)
        check_source(source)
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
                metadata=with_dates(check_metadata(m), t, now),
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
        stands = functools.partial(endings.stands, long_term=self.long_term)
        records, own = derived.with_facts(candidates, facts, extractor, self.long_term, stands)
        ahead = lookups.read_ahead(records, self.long_term)  # beside other threads' adds
        results = self._add_writer.add(records, ahead, source)  # planned in turn, under the lock
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
        return self.long_term.get(check_id(memory_id), Scope.coerce(scope), as_of=as_of)

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
        current = self.long_term.get(check_id(memory_id), scope)
        if current.status != "active":
            raise ConflictStateError(
                f"memory {memory_id!r} is {current.status}; restore it before updating it"
            )
        values: dict[str, Any] = {}
        if metadata is not None:
            values["metadata"] = check_metadata(metadata)
        extractor = derived.text_extractor(self.config.consolidation.extractor)
        values.update(slot_of(current, text, values.get("metadata", current.metadata), extractor))
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
        current = self.long_term.get(check_id(memory_id), scope)
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
            check_kind(kind)
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
        return self.long_term.history(check_id(memory_id), Scope.coerce(scope))

    def sources(self, memory_id: str, scope: Scope | str) -> list[Episode]:
        """The episodes a summary or fact came from (its provenance), oldest first; an
        episode's own memory gives itself."""
        scope = Scope.coerce(scope)
        record = self.long_term.get(check_id(memory_id), scope)
        return episodes.sources(self.long_term, record, scope)
