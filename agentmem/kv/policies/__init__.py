"""KV retention policies: one small dataclass per file, one registry.

    from agentmem.kv.policies import get_policy
    policy = get_policy("str", recent=32)

Names: full, streaming_llm, h2o, snapkv, tova, knorm, expected_attention, kvzip, str,
str_merge, cmp.
``register_policy`` adds more.
"""

from __future__ import annotations

from typing import Any

from agentmem.errors import ConfigError
from agentmem.kv.policies.base import Policy
from agentmem.kv.policies.cmp import CMP
from agentmem.kv.policies.expected_attention import ExpectedAttention
from agentmem.kv.policies.full import FullCache
from agentmem.kv.policies.h2o import H2O
from agentmem.kv.policies.knorm import Knorm
from agentmem.kv.policies.kvzip import KVzip
from agentmem.kv.policies.snapkv import SnapKV
from agentmem.kv.policies.str_merge import STRMerge
from agentmem.kv.policies.streaming_llm import StreamingLLM
from agentmem.kv.policies.structured import STR
from agentmem.kv.policies.tova import TOVA

POLICIES: dict[str, type[Policy]] = {}


def register_policy(cls: type[Policy]) -> type[Policy]:
    """Add a policy class under its ``name``; refuses duplicates."""
    if not (isinstance(cls, type) and issubclass(cls, Policy)):
        raise ConfigError(f"register_policy expects a Policy subclass, got {cls!r}")
    if cls.name in POLICIES and POLICIES[cls.name] is not cls:
        raise ConfigError(
            f"a KV policy named {cls.name!r} is already registered "
            f"({POLICIES[cls.name].__name__}); "
            "give the new class another `name`"
        )
    POLICIES[cls.name] = cls
    return cls


_ALL = (FullCache, StreamingLLM, H2O, SnapKV, TOVA, Knorm, ExpectedAttention, KVzip, STR, STRMerge)
for _cls in (*_ALL, CMP):
    register_policy(_cls)

ALIASES = {
    "streamingllm": "streaming_llm",
    "streaming": "streaming_llm",
    "ea": "expected_attention",
}


def get_policy(name: str | Policy | dict[str, Any], **params: Any) -> Policy:
    """A policy from a name (with hyperparameters), a dict from ``to_dict()``, or itself."""
    if isinstance(name, Policy):
        return name
    if isinstance(name, dict):
        params = {**{k: v for k, v in name.items() if k != "name"}, **params}
        name = name["name"]
    key = ALIASES.get(str(name).lower(), str(name).lower())
    if key not in POLICIES:
        raise ConfigError(f"unknown KV policy {name!r}; choose one of {sorted(POLICIES)}")
    try:
        return POLICIES[key](**params)
    except TypeError as exc:
        raise ConfigError(f"bad parameters for KV policy {key!r}: {exc}") from None


__all__ = [
    "CMP", "H2O", "KVzip", "POLICIES", "STR", "TOVA", "ExpectedAttention", "FullCache", "Knorm",
    "Policy", "STRMerge", "SnapKV", "StreamingLLM",
    "get_policy", "register_policy",
]  # fmt: skip
