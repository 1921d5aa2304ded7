"""Concurrent adds planned one after the other and written together (group commit).

An add is planned (conflict resolution) and written under the lock that lets one thread
plan at a time, so each add sees every add before it. Under concurrency the write was the
queue: each add's transaction (lock the user, the duplicate check, two inserts, commit)
hands the interpreter back and forth at every statement while other threads run. Adds
that arrive while one is being written now queue (`Coalescer`); the next of them plans
them all, in arrival order, and writes them in one transaction.

The order of planning is unchanged, and so are the outcomes: an add whose users an earlier
add of the same group writes is planned only after that group is written, so it reads the
earlier add as stored (its early read, `lookups.read_ahead`, no longer holds and is made
again). A plan that fails to resolve fails its add alone; a failed write fails every add
of that transaction, none of them stored.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from agentmem.adapters.coalesce import Coalescer
from agentmem.facts import resolver
from agentmem.facts.lookups import ReadAhead
from agentmem.long_term import LongTermMemory, WritePlan
from agentmem.types import MemoryRecord

Job = tuple[list[MemoryRecord], ReadAhead | None, str]  # records, early read, actor
Outcome = list[MemoryRecord] | Exception

GROUP = 64  # adds planned and written in one transaction at most


class AddWriter:
    """Plans adds under the planning lock and writes the adds that queued meanwhile
    together."""

    def __init__(self, long_term: LongTermMemory, planning_lock: threading.RLock) -> None:
        self._long_term = long_term
        self._lock = planning_lock
        self._calls = Coalescer(self._plan_and_write, max_batch=GROUP)

    def add(
        self, records: list[MemoryRecord], ahead: ReadAhead | None, actor: str
    ) -> list[MemoryRecord]:
        """The records conflict resolution leaves for `records` (one per record), stored."""
        job = [(records, ahead, actor)]
        # a caller already planning (the lock is reentrant) would wait for itself in the queue
        owned = self._lock._is_owned()  # type: ignore[attr-defined]
        outcome = (self._plan_and_write(job) if owned else self._calls.run(job))[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def _plan_and_write(self, jobs: Sequence[Job]) -> list[Outcome]:
        out: list[Outcome] = []
        plan, users, planned = WritePlan(), set(), []
        with self._lock:
            for records, ahead, actor in jobs:
                mine = {r.scope.user_id for r in records}
                if mine & users:  # read what the earlier add wrote: write it first
                    self._write(plan, planned, out)
                    plan, users, planned = WritePlan(), set(), []
                try:
                    part, results = resolver.resolve_many(
                        records, self._long_term, actor=actor, ahead=ahead
                    )
                except Exception as exc:  # noqa: BLE001 (handed to its caller)
                    out.append(exc)
                    continue
                plan.extend(part)
                users |= mine | {r.scope.user_id for r in part.inserts}
                users |= {uid for _, uid, _ in part.updates}
                planned.append(len(out))
                out.append(results)
            self._write(plan, planned, out)
        return out

    def _write(self, plan: WritePlan, planned: list[int], out: list[Outcome]) -> None:
        if not planned:
            return
        try:
            self._long_term.apply(plan)
        except Exception as exc:  # noqa: BLE001 (nothing of the transaction was stored)
            for i in planned:
                out[i] = exc


__all__ = ["GROUP", "AddWriter"]
