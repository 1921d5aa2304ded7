"""agentmem: memory for LLM agents and chatbots — text, KV-cache and parametric memory.

from agentmem import Memory, MemoryConfig, Scope
with Memory() as mem:
    mem.add("I live in Berlin", Scope(user_id="alice"))
    hits = mem.search("where does alice live?", Scope(user_id="alice"))
"""

from agentmem.config import MemoryConfig
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
from agentmem.manager import Memory
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
