"""Keyed memories: long-term notes a caller addresses by its own key within one scope and
one named space (what LangChain's key-value and vector stores need).

A key maps to a stable memory id derived from the space, the scope (agent included) and the
key, so one scope's key never names another scope's memory. Entries are written as given
(callers expect exact round trips, so they skip fact extraction and conflict resolution);
overwrites and deletes keep their history like any other memory. Every read goes through
`LongTermMemory`'s scope check.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from agentmem.errors import ValidationError
from agentmem.long_term.plans import WritePlan, event, revise
from agentmem.stores.sql import MemoryQuery
from agentmem.types import MemoryRecord, Scope, utcnow

_NS = uuid.UUID("6f1c2a52-8f0e-4d0b-9a53-6c7d0e6b9a10")
KEY, SPACE = "lc_key", "lc_space"  # metadata: the caller's key, and the space it lives in


class KeyedMemories:
    """Long-term memories addressed by a caller's key within one scope and one space."""

    def __init__(self, memory: Any, scope: Scope | str, space: str) -> None:
        self.memory = memory
        self.scope = Scope.coerce(scope)
        self.space = space

    def memory_id(self, key: str) -> str:
        if not isinstance(key, str):
            raise ValidationError(f"keys and ids must be strings, got {key!r}")
        s = self.scope
        return uuid.uuid5(_NS, "\x00".join([self.space, s.user_id, s.agent_id or "", key])).hex

    def get(self, keys: Sequence[str]) -> list[MemoryRecord | None]:
        """The active entry of each key, or None."""
        found = self._current(keys)
        return [
            r if r is not None and r.status == "active" else None
            for r in (found.get(self.memory_id(k)) for k in keys)
        ]

    def put(self, items: Sequence[tuple[str, str, dict[str, Any]]]) -> None:
        """Insert or overwrite (key, text, metadata) entries in one transaction."""
        now = utcnow()
        found = self._current([key for key, _, _ in items])
        current = {key: found.get(self.memory_id(key)) for key, _, _ in items}
        plan = WritePlan()
        for key, text, metadata in items:
            meta = {**metadata, KEY: key, SPACE: self.space}
            old = current.get(key)
            if old is None:
                current[key] = self._plan_insert(plan, key, text, meta, now)
            else:
                self._plan_overwrite(plan, key, old, text, meta, now)
        self.memory.long_term.apply(plan)

    def delete(self, keys: Sequence[str]) -> bool:
        """Soft-delete the entries of these keys; whether any existed."""
        found = False
        for key, record in zip(keys, self.get(keys), strict=True):
            if record is not None:
                self.memory.delete(
                    record.id,
                    self.scope,
                    actor="langchain",
                    reason=f"deleted {self.space} key {key!r}",
                )
                found = True
        return found

    def records(self) -> list[MemoryRecord]:
        """Every active entry of the space that the scope may read."""
        query = MemoryQuery(
            user_id=self.scope.user_id, agent_id=self.scope.agent_id, metadata={SPACE: self.space}
        )
        return self.memory.long_term.find(query)

    def _current(self, keys: Sequence[str]) -> dict[str, MemoryRecord]:
        """The keys' memories in any status (a deleted key is revived by a put), by id."""
        ids = [self.memory_id(k) for k in keys]
        return self.memory.long_term.get_many(ids, self.scope, statuses=None)

    def _plan_insert(
        self, plan: WritePlan, key: str, text: str, meta: dict[str, Any], now: Any
    ) -> MemoryRecord:
        record = MemoryRecord(
            id=self.memory_id(key),
            text=text,
            scope=self.scope,
            kind="note",
            metadata=meta,
            source="langchain",
            created_at=now,
            updated_at=now,
            valid_from=now,
            recorded_at=now,
        )
        plan.inserts.append(record)
        plan.events.append(
            event(
                "ADD",
                record,
                actor="langchain",
                reason=f"set {self.space} key {key!r}",
                new_text=text,
                at=now,
            )
        )
        return record

    def _plan_overwrite(
        self,
        plan: WritePlan,
        key: str,
        old: MemoryRecord,
        text: str,
        meta: dict[str, Any],
        now: Any,
    ) -> None:
        plan.extend(
            revise(
                old,
                text,
                now,
                actor="langchain",
                reason=f"overwrote {self.space} key {key!r}",
                metadata=meta,
                status="active",  # a deleted key is revived by a put
                valid_to=None,
            )
        )


__all__ = ["KEY", "SPACE", "KeyedMemories"]
