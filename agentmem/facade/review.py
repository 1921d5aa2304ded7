"""`Memory`'s facts over time: conflicts, review and undo, lifecycle, SQL reads, reindex."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from agentmem.checks import check_datetime
from agentmem.config import MemoryConfig
from agentmem.consolidation.worker import ConsolidationRunner
from agentmem.facade.checks import check_id
from agentmem.facts import lifecycle, resolver
from agentmem.facts import review as undo
from agentmem.long_term import LongTermMemory
from agentmem.short_term import ShortTermMemory
from agentmem.stores import readonly
from agentmem.types import Conflict, MemoryEvent, MemoryRecord, Scope, as_utc, utcnow


class Review:
    """Memory's methods over facts and their history (mixed into `agentmem.manager.Memory`)."""

    config: MemoryConfig
    long_term: LongTermMemory
    short_term: ShortTermMemory
    consolidation_runner: ConsolidationRunner
    _layers_lock: threading.RLock

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
                check_id(conflict_id),
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
                self.long_term, scope, check_id(event_id), actor=actor, now=utcnow()
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
