"""Memory: the facade that routes sensory -> short-term -> long-term, and delegates.

Each public method validates its arguments (scope first), then hands the work to the
module that owns it. Nothing here touches SQL or the vector index directly.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from agentmem import resolver
from agentmem.adapters.embeddings import Embedder
from agentmem.config import MemoryConfig
from agentmem.errors import ConflictStateError, ValidationError
from agentmem.long_term import LongTermMemory, WritePlan, check_metadata, check_text, event, new_id
from agentmem.stores import readonly
from agentmem.types import KINDS, MemoryEvent, MemoryRecord, Scope, SearchHit, utcnow

log = logging.getLogger(__name__)


class Memory:
    """agentmem's public entry point. See DESIGN.md for the contract."""

    def __init__(self, config: MemoryConfig | None = None, *, embedder: Embedder | None = None,
                 **overrides: Any) -> None:
        if config is None:
            config = MemoryConfig.create(**overrides)
        elif overrides:
            config = MemoryConfig.create(**{**config.model_dump(), **overrides})
        self.config = config
        config.home.mkdir(parents=True, exist_ok=True)
        self.long_term = LongTermMemory(config, embedder)

    @classmethod
    def from_config(cls, path: str | Path, **kwargs: Any) -> Memory:
        """Open memory with the settings of a TOML file."""
        return cls(MemoryConfig.from_toml(path), **kwargs)

    def close(self) -> None:
        self.long_term.close()

    def __enter__(self) -> Memory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- long-term memory: records ----------------------------------------------------
    def add(self, text: str, scope: Scope | str, metadata: dict[str, Any] | None = None, *,
            kind: str = "note", importance: float = 0.5, source: str = "user",
            valid_from: datetime | None = None) -> MemoryRecord:
        """Store one memory; it passes through conflict resolution first."""
        return self.add_many([text], scope, [metadata] if metadata is not None else None,
                             kind=kind, importance=importance, source=source,
                             valid_from=valid_from)[0]

    def add_many(self, texts: list[str], scope: Scope | str,
                 metadatas: list[dict[str, Any] | None] | None = None, *, kind: str = "note",
                 importance: float = 0.5, source: str = "user",
                 valid_from: datetime | None = None) -> list[MemoryRecord]:
        """Store many memories of one scope with one batched embedding and one transaction."""
        scope = Scope.coerce(scope)
        if not isinstance(texts, list | tuple) or not texts:
            raise ValidationError("texts must be a non-empty list of strings")
        metadatas = list(metadatas) if metadatas is not None else [None] * len(texts)
        if len(metadatas) != len(texts):
            raise ValidationError(f"got {len(texts)} texts but {len(metadatas)} metadata dicts")
        _check_kind(kind)
        _check_unit("importance", importance)
        now = utcnow()
        candidates = [
            MemoryRecord(id=new_id(), text=check_text(t, self.config.max_text_chars),
                         scope=scope, kind=kind, metadata=check_metadata(m),
                         importance=importance, source=source, created_at=now, updated_at=now,
                         valid_from=valid_from or now, recorded_at=now)
            for t, m in zip(texts, metadatas, strict=True)
        ]
        plan, results = WritePlan(), []
        for candidate in candidates:
            part, record = resolver.resolve(candidate, self.long_term, actor=source)
            plan.extend(part)
            results.append(record)
        self.long_term.apply(plan)
        return results

    def get(self, memory_id: str, scope: Scope | str, *, as_of: datetime | None = None
            ) -> MemoryRecord:
        """The memory with this id in the caller's scope (its version valid at `as_of`)."""
        return self.long_term.get(_check_id(memory_id), Scope.coerce(scope), as_of=as_of)

    def update(self, memory_id: str, text: str, scope: Scope | str, *,
               metadata: dict[str, Any] | None = None, actor: str = "user",
               reason: str = "updated by caller") -> MemoryRecord:
        """Replace a memory's text; the old version stays in history and in `as_of` reads."""
        scope = Scope.coerce(scope)
        text = check_text(text, self.config.max_text_chars)
        current = self.long_term.get(_check_id(memory_id), scope)
        if current.status != "active":
            raise ConflictStateError(f"memory {memory_id!r} is {current.status}; restore it "
                                     "before updating it")
        now = utcnow()
        old = _archived_copy(current, now)
        values = {"text": text, "version": current.version + 1, "valid_from": now,
                  "updated_at": now, "recorded_at": now}
        if metadata is not None:
            values["metadata"] = check_metadata(metadata)
        plan = WritePlan(inserts=[old], updates=[(current.id, scope.user_id, values)], events=[
            event("UPDATE", current, actor=actor, reason=reason, old_text=current.text,
                  new_text=text, related_id=old.id, at=now)])
        self.long_term.apply(plan)
        return self.long_term.get(current.id, scope)

    def delete(self, memory_id: str, scope: Scope | str, *, actor: str = "user",
               reason: str = "deleted by caller") -> None:
        """Soft delete: the memory stops being valid now; its history is kept."""
        scope = Scope.coerce(scope)
        current = self.long_term.get(_check_id(memory_id), scope)
        if current.status == "deleted":
            return
        now = utcnow()
        plan = WritePlan(
            updates=[(current.id, scope.user_id,
                      {"status": "deleted", "valid_to": now, "updated_at": now})],
            events=[event("DELETE", current, actor=actor, reason=reason,
                          old_text=current.text, at=now)])
        self.long_term.apply(plan)

    def search(self, query: str, scope: Scope | str, *, mode: str = "hybrid", top_k: int = 10,
               filters: dict[str, Any] | None = None, as_of: datetime | str | None = None,
               explain: bool = False) -> list[SearchHit]:
        """Find memories by full text, meaning, or both; scores are in [0, 1]."""
        return self.long_term.search(query, Scope.coerce(scope), mode=mode, top_k=top_k,
                                     filters=filters, as_of=as_of, explain=explain)

    def history(self, memory_id: str, scope: Scope | str) -> list[MemoryEvent]:
        """Every audit event of this memory and of the versions before and after it."""
        return self.long_term.history(_check_id(memory_id), Scope.coerce(scope))

    def sql(self, statement: str, scope: Scope | str) -> list[dict[str, Any]]:
        """Run one read-only SELECT over views that hold only the caller's rows."""
        scope = Scope.coerce(scope)
        from sqlalchemy import inspect

        tables = set(inspect(self.long_term.sql.engine).get_table_names())
        return readonly.run(self.long_term.sql.engine, statement, scope.user_id, tables)

    def reindex(self) -> int:
        """Rebuild the vector index from SQL; returns the number of vectors written."""
        return self.long_term.reindex()


def _check_id(memory_id: Any) -> str:
    if not isinstance(memory_id, str) or not memory_id or len(memory_id) > 64:
        raise ValidationError(f"memory id must be a non-empty string, got {memory_id!r}")
    return memory_id


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValidationError(f"kind must be one of {list(KINDS)}, got {kind!r}")


def _check_unit(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValidationError(f"{name} must be a number in [0, 1], got {value!r}")


def _archived_copy(record: MemoryRecord, until: datetime) -> MemoryRecord:
    """The version a change replaces, kept as its own row so `as_of` reads still find it."""
    from dataclasses import replace

    return replace(record, id=new_id(), status="superseded", valid_to=until,
                   superseded_by=record.id, metadata=dict(record.metadata))
