"""Memory lifecycle: decay and archival of faded memories, time-to-live per kind, and purge.

Strength is importance times an exponential decay of the time since the memory was last
used (stated, reinforced or changed), lifted by how often it was used. Memories of the
`decay_kinds` whose strength falls below `archive_below` are archived: they leave search
and context but stay in SQL, restorable from their ARCHIVE event. Facts do not fade by
default (they end by supersession); audit events are never archived or deleted.

`purge` is the one hard delete: every row, vector, KV snapshot, last-chat record and adapter
of a user, walking `USER_STORES`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import datetime
from typing import Any

from agentmem.config import ConflictsConfig
from agentmem.facts.resolver import snapshot
from agentmem.llm.chat import forget_last_chat
from agentmem.long_term import LongTermMemory, WritePlan, event
from agentmem.parametric.registry import AdapterRegistry
from agentmem.stores.sql import MemoryQuery
from agentmem.types import MemoryRecord, Scope, as_utc

log = logging.getLogger(__name__)


def strength(record: MemoryRecord, now: datetime, config: ConflictsConfig) -> float:
    """importance * 0.5 ** (days since last use / half-life) * (1 + ln(1 + uses)), in [0, 1].

    A use is a write that confirms the memory: stated, reinforced (restated) or changed, so
    `updated_at` is its time and `access_count` its count. Reads do not count: a search or a
    context stays a pure read (no write lock taken on the path every chat turn runs, and the
    searches conflict resolution makes internally cannot inflate the count)."""
    last = record.updated_at or record.created_at
    days = max(0.0, (as_utc(now) - as_utc(last)).total_seconds() / 86400)
    decay = 0.5 ** (days / config.decay_half_life_days)
    return min(1.0, record.importance * decay * (1.0 + math.log1p(record.access_count)))


def expired(record: MemoryRecord, now: datetime, config: ConflictsConfig) -> bool:
    """Whether the record has outlived the time-to-live of its kind."""
    ttl = config.ttl_days.get(record.kind)
    if ttl is None:
        return False
    return (as_utc(now) - as_utc(record.created_at)).total_seconds() > ttl * 86400


def archive_reason(record: MemoryRecord, now: datetime, config: ConflictsConfig) -> str | None:
    """Why the record should be archived now, or None to keep it. Episodes never fade
    (what was said stays retrievable for as long as the user's memory lives); only an
    explicit time to live for the kind archives them."""
    if expired(record, now, config):
        return f"time to live of {config.ttl_days[record.kind]:g} days for {record.kind} expired"
    if record.kind in config.decay_kinds and record.kind != "episode":
        value = strength(record, now, config)
        if value < config.archive_below:
            return f"faded: strength {value:.3f} below {config.archive_below:g}"
    return None


def plan_sweep(
    long_term: LongTermMemory, scope: Scope, now: datetime, *, actor: str = "lifecycle"
) -> WritePlan:
    """ARCHIVE every active memory of the scope that expired or faded."""
    config = long_term.config.conflicts
    kinds = sorted((set(config.decay_kinds) - {"episode"}) | set(config.ttl_days))
    plan = WritePlan()
    if not kinds:
        return plan
    query = MemoryQuery(user_id=scope.user_id, agent_id=scope.agent_id, kinds=kinds)
    for record in long_term.find(query):
        reason = archive_reason(record, now, config)
        if reason is None:
            continue
        values = {"status": "archived", "updated_at": now}
        plan.updates.append((record.id, scope.user_id, values))
        plan.events.append(
            event(
                "ARCHIVE",
                record,
                actor=actor,
                reason=reason,
                old_text=record.text,
                at=now,
                details={
                    "rule": "ttl" if "time to live" in reason else "decay",
                    "before": snapshot(record, values),
                },
            )
        )
    return plan


def purge(long_term: LongTermMemory, scope: Scope, owner: Any = None) -> dict[str, Any]:
    """Hard-delete everything of `scope.user_id` in every store of `USER_STORES`; returns
    what each removed.

    `owner` is the Memory being purged (adapters loaded into its live model are unloaded).
    The vector indexer is flushed first: a write of the user still queued, or indexed but
    not yet marked, would otherwise land after the purge (a vector in a dropped collection,
    a generation row bumped back into `index_generations`).
    """
    long_term.flush()
    removed = {name: remove(long_term, owner, scope.user_id) for name, remove in USER_STORES}
    log.info("purged user %r: %s", scope.user_id, removed)
    return removed


def _purge_sql(long_term: LongTermMemory, owner: Any, user_id: str) -> int:
    return len(long_term.purge_rows(user_id))


def _purge_index(long_term: LongTermMemory, owner: Any, user_id: str) -> int:
    long_term.index.drop_user(user_id)
    return 1


def _purge_snapshots(long_term: LongTermMemory, owner: Any, user_id: str) -> int:
    from agentmem.kv.snapshots import purge_user  # torch: only when purging

    return purge_user(long_term.config.kv.snapshot_dir, user_id)


def _purge_last_chat(long_term: LongTermMemory, owner: Any, user_id: str) -> int:
    return forget_last_chat(long_term.config.last_chat_path, user_id)


def _purge_adapters(long_term: LongTermMemory, owner: Any, user_id: str) -> int:
    live = getattr(owner, "_parametric", None)
    if live is not None:  # unload from the live model too
        return live.purge(user_id)
    registry = AdapterRegistry(long_term.engine, long_term.config.lora.adapter_dir)
    return registry.purge(user_id)


# Every store that holds data of a user (SQL rows -- episodes, memories, events, conflicts,
# adapter rows, full text -- then the vector index and the files beside them). A store that
# keeps user data joins this list; tests/test_purge.py checks that no file of a purged user
# is left under the home or any path setting.
USER_STORES: tuple[tuple[str, Callable[[LongTermMemory, Any, str], int]], ...] = (
    ("memories", _purge_sql),
    ("vector_index", _purge_index),
    ("kv_snapshots", _purge_snapshots),
    ("last_chat", _purge_last_chat),
    ("adapters", _purge_adapters),
)
