"""KV memory: retention policies, the managed cache, CMP tiers, metrics and activation snapshots.

from agentmem.kv import ManagedCache, get_policy
from agentmem.kv.snapshots import SnapshotStore, purge_user
"""

from __future__ import annotations

from agentmem.kv.cache import LayerState, ManagedCache, resolve_budget
from agentmem.kv.policies import POLICIES, Policy, get_policy, register_policy

__all__ = [
    "POLICIES", "LayerState", "ManagedCache", "Policy", "get_policy", "register_policy",
    "resolve_budget",
]  # fmt: skip
