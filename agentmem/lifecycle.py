"""Memory lifecycle: decay and archival of faded memories, time-to-live per kind, and purge.

Strength is importance times an exponential decay of the time since the memory was last
used (stated, reinforced or retrieved), lifted by how often it was used. Memories of the
`decay_kinds` whose strength falls below `archive_below` are archived: they leave search
and context but stay in SQL, restorable from their ARCHIVE event. Facts do not fade by
default (they end by supersession); audit events are never archived or deleted.

`purge` is the one hard delete: every row, vector, KV snapshot and adapter of a user.
"""

from __future__ import annotations

import importlib
import logging
import math
from datetime import datetime
from pathlib import Path
from typing import Any

from agentmem.config import ConflictsConfig
from agentmem.long_term import LongTermMemory, WritePlan, event
from agentmem.resolver import snapshot
from agentmem.stores.sql import MemoryQuery
from agentmem.types import MemoryRecord, Scope, as_utc

log = logging.getLogger(__name__)
# Stores that other parts of agentmem own: name -> (module, what its purge_user(x, user_id)
# takes as x: "home", the agentmem home directory, or "memory", the Memory being purged).
FILE_STORES = {
    "kv_snapshots": ("agentmem.kv.snapshots", "home"),
    "adapters": ("agentmem.parametric.registry", "memory"),
}


def strength(record: MemoryRecord, now: datetime, config: ConflictsConfig) -> float:
    """importance * 0.5 ** (days since last use / half-life) * (1 + ln(1 + uses)), in [0, 1]."""
    last = record.last_accessed_at or record.updated_at or record.created_at
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


def purge(long_term: LongTermMemory, scope: Scope, home: Path, owner: Any = None) -> dict[str, Any]:
    """Hard-delete everything of `scope.user_id` in every store; returns what was removed.

    `owner` is the Memory being purged (file stores may unload what it has live).
    """
    user_id = scope.user_id
    with long_term.sql.begin() as conn:
        ids = long_term.sql.purge_user(conn, user_id)
    long_term.index.drop_user(user_id)
    removed: dict[str, Any] = {"memories": len(ids)}
    for name, (module, takes) in FILE_STORES.items():
        purge_user = _optional(module, "purge_user")
        if purge_user is not None:
            target = home if takes == "home" or owner is None else owner
            removed[name] = purge_user(target, user_id)
    log.info("purged user %r: %s", user_id, removed)
    return removed


def _optional(module: str, name: str):
    """A function of a module that may not be part of this installation yet."""
    try:
        found = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        return None
    return getattr(found, name, None)
