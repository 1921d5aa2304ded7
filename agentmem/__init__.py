"""agentmem: memory for LLM agents and chatbots — text, KV-cache and parametric memory.

from agentmem import Memory, MemoryConfig, Scope
with Memory() as mem:
    mem.add("I live in Berlin", Scope(user_id="alice"))
    hits = mem.search("where does alice live?", Scope(user_id="alice"))
"""

import importlib

from agentmem.errors import (
    AgentMemError,
    ConfigError,
    ConflictStateError,
    FingerprintMismatch,
    MissingDependencyError,
    ModelError,
    NotFoundError,
    QueryRefusedError,
    QueryTimeoutError,
    ScopeError,
    StoreError,
    ValidationError,
)
from agentmem.types import (
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
)

__version__ = "0.1.0"

# Memory and MemoryConfig bring SQLAlchemy, NumPy and pydantic (a second or more on a busy
# machine): imported on first use, so that `agentmem --help` and light imports start fast.
_LAZY = {"Memory": "agentmem.manager", "MemoryConfig": "agentmem.config"}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'agentmem' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "AdapterInfo",
    "AgentMemError",
    "ChatReply",
    "ConfigError",
    "Conflict",
    "ConflictStateError",
    "ConsolidationReport",
    "Context",
    "Episode",
    "Fact",
    "FingerprintMismatch",
    "Memory",
    "MemoryConfig",
    "MemoryEvent",
    "MemoryRecord",
    "MissingDependencyError",
    "ModelError",
    "NotFoundError",
    "Observation",
    "QueryRefusedError",
    "QueryTimeoutError",
    "Scope",
    "ScopeError",
    "SearchHit",
    "StoreError",
    "ValidationError",
]
