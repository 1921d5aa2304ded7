"""Request bodies of the HTTP service, built from agentmem's value types: the scope fields
are `Scope`'s own, the choices of kind, role and search mode are `types`' Literals, the
limits on ids are `types.MAX_SCOPE_ID`. A field added to `Scope` or a choice added to a
Literal reaches the service and its OpenAPI spec without an edit here.

Bodies are strict: JSON `false` is not a number nor `"5"` an integer, as the spec says.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from agentmem.server.fields import IsoDateTime, Metadata, Plain, SearchFilters, Text, integer
from agentmem.types import MAX_SCOPE_ID, Kind, MemoryRecord, Role, Scope, SearchMode

STRICT = ConfigDict(extra="forbid", strict=True)
# The schema itself refuses what Scope refuses (NUL, blank), so clients see it in the spec.
SCOPE_ID_PATTERN = r"^[^\x00]*[^\x00\s][^\x00]*$"
ScopeId = Annotated[str, Field(min_length=1, max_length=MAX_SCOPE_ID, pattern=SCOPE_ID_PATTERN)]


class _ScopeFields(BaseModel):
    model_config = STRICT

    def scope(self) -> Scope:
        return Scope(**{f.name: getattr(self, f.name) for f in dataclasses.fields(Scope)})


def _scope_field(field: dataclasses.Field) -> tuple[Any, Any]:
    if field.default is dataclasses.MISSING:
        return ScopeId, ...
    return ScopeId | None, field.default


ScopeIn = create_model(
    "ScopeIn",
    __base__=_ScopeFields,
    **{f.name: _scope_field(f) for f in dataclasses.fields(Scope)},  # type: ignore[call-overload]
)


class MemoryIn(ScopeIn):  # type: ignore[valid-type,misc]
    text: Text
    metadata: Metadata | None = None
    kind: Kind = "note"
    importance: float = Field(0.5, ge=0.0, le=1.0)


class MemoryPatch(BaseModel):
    model_config = STRICT
    user_id: ScopeId
    text: Text
    metadata: Metadata | None = None


class SearchIn(ScopeIn):  # type: ignore[valid-type,misc]
    query: Text
    top_k: integer(1, 1000) = 10  # type: ignore[valid-type]
    mode: SearchMode = "hybrid"
    filters: SearchFilters | None = None
    as_of: IsoDateTime | None = None
    explain: bool = False


class ObserveIn(ScopeIn):  # type: ignore[valid-type,misc]
    content: Text
    role: Role = "user"
    metadata: Metadata | None = None


class ContextIn(ScopeIn):  # type: ignore[valid-type,misc]
    query: Text | None = None
    max_tokens: integer(32, 1_000_000) | None = None  # type: ignore[valid-type]


class ResolveIn(BaseModel):
    model_config = STRICT
    user_id: ScopeId
    choice: Plain = Field(min_length=1, description="a memory id to keep, or new/old/dismiss")


class ChatIn(ScopeIn):  # type: ignore[valid-type,misc]
    message: str = Field(min_length=1)
    tiers: list[Literal["text", "kv", "parametric"]] | None = None
    max_tokens: int | None = Field(None, ge=1)
    stream: bool = False


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):  # OpenAI content parts: keep the text ones
            return "".join(p.get("text", "") for p in self.content if p.get("type") == "text")
        return self.content or ""


class ChatCompletionIn(BaseModel):
    """OpenAI's request shape; fields agentmem does not use are accepted and ignored."""

    model_config = ConfigDict(extra="allow")
    model: str = "agentmem"
    messages: list[ChatMessage] = Field(min_length=1)
    user: ScopeId | None = None
    stream: bool = False
    max_tokens: int | None = Field(None, ge=1)
    max_completion_tokens: int | None = Field(None, ge=1)
    temperature: float | None = Field(None, ge=0.0, le=2.0)
    session_id: ScopeId | None = Field(None, description="agentmem extension: the session")


def record_out(record: MemoryRecord) -> dict[str, Any]:
    """A memory as the service answers it: the record's own fields plus its user."""
    return {**record.to_dict(), "user_id": record.scope.user_id}
