"""Value types shared by every module. Defined once here; no module keeps its own copy."""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, get_args

from agentmem.checks import check_unicode
from agentmem.errors import ScopeError, ValidationError

# Each set of allowed values is written once, as a type; the tuples that checks use are read
# from it.
Kind = Literal["fact", "summary", "episode", "note"]
Status = Literal["active", "superseded", "deleted", "archived"]
Role = Literal["user", "assistant", "system", "tool", "document"]
SearchMode = Literal["hybrid", "semantic", "fulltext"]
# what an audit event records (memory_events.op); import checks read it
EventOp = Literal[
    "ADD", "UPDATE", "SUPERSEDE", "DELETE", "MERGE", "RESTORE", "REINFORCE", "ARCHIVE", "RESOLVE"
]

KINDS: tuple[str, ...] = get_args(Kind)
STATUSES: tuple[str, ...] = get_args(Status)
ROLES: tuple[str, ...] = get_args(Role)
SEARCH_MODES: tuple[str, ...] = get_args(SearchMode)
MAX_SCOPE_ID = 256


def utcnow() -> datetime:
    """Timezone-aware now in UTC; every stored time is UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Naive datetimes are taken as UTC (SQLite returns them naive)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _check_scope_id(name: str, value: str | None, required: bool) -> None:
    if value is None:
        if required:
            raise ScopeError(f"scope.{name} is required, got None; pass Scope({name}='...')")
        return
    if not isinstance(value, str) or not value.strip():
        raise ScopeError(f"scope.{name} must be a non-empty string, got {value!r}")
    if len(value) > MAX_SCOPE_ID or "\x00" in value:
        raise ScopeError(
            f"scope.{name} must be at most {MAX_SCOPE_ID} characters without NUL, "
            f"got {value[:40]!r}... ({len(value)} characters)"
        )
    try:
        check_unicode(value, f"scope.{name}")
    except ValidationError as exc:
        raise ScopeError(str(exc)) from None


@dataclass(frozen=True)
class Scope:
    """Who a memory belongs to. `user_id` is a hard partition; agent and session narrow it."""

    user_id: str
    agent_id: str | None = None
    session_id: str | None = None

    def __post_init__(self) -> None:
        _check_scope_id("user_id", self.user_id, required=True)
        _check_scope_id("agent_id", self.agent_id, required=False)
        _check_scope_id("session_id", self.session_id, required=False)

    @classmethod
    def coerce(cls, value: Scope | str | dict | None) -> Scope:
        """Accept a Scope, a bare user id or a dict; anything else is a ScopeError."""
        if isinstance(value, Scope):
            return value
        if isinstance(value, str):
            return cls(user_id=value)
        if isinstance(value, dict):
            unknown = set(value) - {"user_id", "agent_id", "session_id"}
            if unknown:
                raise ScopeError(
                    f"unknown scope keys {sorted(unknown)}; use user_id/agent_id/session_id"
                )
            return cls(**value)
        raise ScopeError(f"scope must be a Scope with a user_id, got {value!r}")

    def to_dict(self) -> dict[str, str | None]:
        return {"user_id": self.user_id, "agent_id": self.agent_id, "session_id": self.session_id}


def iso(value: datetime) -> str:
    """The one time format of every output (CLI JSON, HTTP, MCP): ISO-8601 in UTC."""
    return as_utc(value).isoformat()


_SCALARS = frozenset({str, int, float, bool, type(None)})


def to_plain(value: Any) -> Any:
    """A value made of JSON types only: records nested in lists and dicts included."""
    if type(value) in _SCALARS:  # most fields: answered before the checks below
        return value
    if isinstance(value, datetime):
        return iso(value)
    if hasattr(value, "to_dict") and not isinstance(value, type):
        return value.to_dict()
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    return value


class _Record:
    """Serialisation shared by the record dataclasses: one JSON shape per record type,
    the same in CLI `--json`, HTTP responses and MCP tool results."""

    def to_dict(self) -> dict[str, Any]:
        return {name: to_plain(getattr(self, name)) for name in _field_names(type(self))}


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    """A record class's field names (`dataclasses.fields` rebuilds them on every call: a
    search answer serialises ten records)."""
    return tuple(f.name for f in dataclasses.fields(cls))


@dataclass
class Episode(_Record):
    """One raw input, logged before anything else happens to it."""

    id: str
    scope: Scope
    role: str
    content: str
    created_at: datetime
    salience: float = 0.0
    seq: int = 0
    metadata: dict[str, Any] = field(default_factory=dict)
    consolidated: bool = False


@dataclass
class MemoryRecord(_Record):
    """A long-term text memory: a fact, a summary, a note or a promoted episode."""

    id: str
    text: str
    scope: Scope
    kind: str = "note"
    subject: str | None = None
    attribute: str | None = None
    value: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    importance: float = 0.5
    confidence: float = 1.0
    source: str = "user"
    access_count: int = 0
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    valid_from: datetime = field(default_factory=utcnow)
    valid_to: datetime | None = None
    recorded_at: datetime = field(default_factory=utcnow)
    superseded_by: str | None = None
    status: str = "active"
    version: int = 1
    last_accessed_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        # user_id at the top as well: HTTP clients and scripts filter on it without nesting.
        return {**super().to_dict(), "user_id": self.scope.user_id}

    @property
    def is_fact(self) -> bool:
        return self.kind == "fact" and self.attribute is not None

    def valid_at(self, t: datetime) -> bool:
        """Was this record the valid state of the world at time t (as recorded by t)?"""
        t = as_utc(t)
        if as_utc(self.recorded_at) > t or as_utc(self.valid_from) > t:
            return False
        return self.valid_to is None or as_utc(self.valid_to) > t


@dataclass
class SearchHit(_Record):
    """One search result; `score` is in [0, 1], higher is better."""

    record: MemoryRecord
    score: float
    explanation: dict[str, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The record's fields with `score` and `explanation` beside them (HTTP and CLI)."""
        return {**self.record.to_dict(), "score": self.score, "explanation": self.explanation}


@dataclass
class MemoryEvent(_Record):
    """An append-only audit entry: what changed, from what to what, by whom, and why."""

    id: str
    memory_id: str
    scope: Scope
    op: str
    old_text: str | None
    new_text: str | None
    actor: str
    reason: str
    created_at: datetime
    related_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class Conflict(_Record):
    """Two or more facts that could not be reconciled automatically; open until resolved."""

    id: str
    scope: Scope
    memory_ids: list[str]
    reason: str
    status: str = "open"
    created_at: datetime = field(default_factory=utcnow)
    resolved_at: datetime | None = None
    resolution: str | None = None


@dataclass
class Fact(_Record):
    """A subject/attribute/value statement extracted from input, before it is stored."""

    subject: str
    attribute: str
    value: str
    text: str
    negated: bool = False
    confidence: float = 0.9
    source: str = "user"
    valid_from: datetime | None = None
    episode_id: str | None = None
    # what a statement of change ends, as it names it ("left Initech", "swapped Windows for
    # Linux": Windows): the subject's stored value it names ends (`agentmem.facts.endings`)
    ends: str | None = None
    # the text says the value holds beside the subject's others ("I also work at KPMG"): the
    # stored value of a single-valued slot stays active (`agentmem.facts.extraction.additions`)
    added: bool = False


@dataclass
class Observation(_Record):
    """What `Memory.observe` did with one input.

    `consolidated`: a consolidation pass ran inside this call (`consolidation.background`
    off); its facts and events are included. `consolidation_scheduled`: the working context
    went over its budget and a background pass was queued (or one was already queued);
    it runs after `observe` returns, and `Memory.flush()` waits for it.
    """

    episode_ids: list[str]
    salience: float
    facts: list[MemoryRecord] = field(default_factory=list)
    events: list[MemoryEvent] = field(default_factory=list)
    consolidated: bool = False
    consolidation_scheduled: bool = False


@dataclass
class Context(_Record):
    """A prompt context: chat messages plus an accounting of what went in and what did not."""

    messages: list[dict[str, str]]
    memories: list[MemoryRecord] = field(default_factory=list)
    tokens: int = 0
    included: dict[str, int] = field(default_factory=dict)
    left_out: dict[str, int] = field(default_factory=dict)
    episodes: list[Episode] = field(default_factory=list)  # past turns shown, in order


@dataclass
class ConsolidationReport(_Record):
    """What one consolidation pass did."""

    episodes: int = 0
    summary_id: str | None = None
    chunk_summary_id: str | None = None  # this pass's chunk summary (it stays)
    facts: list[MemoryRecord] = field(default_factory=list)
    events: list[MemoryEvent] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class ChatReply(_Record):
    """A reply from `Memory.chat` and what produced it."""

    text: str
    tiers: list[str] = field(default_factory=list)
    context_tokens: int = 0
    memories: list[str] = field(default_factory=list)
    adapter_id: str | None = None
    kv: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # e.g. an adapter refused: base model


@dataclass
class AdapterInfo(_Record):
    """A LoRA adapter in the registry."""

    id: str
    scope: Scope
    version: int
    base_fingerprint: str
    fact_ids: dict[str, int]
    path: str
    created_at: datetime
    status: str = "ready"
    config: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
