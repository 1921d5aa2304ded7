"""Field types of the HTTP request bodies that carry agentmem's input rules into the OpenAPI
spec (agentmem.checks holds the rules): a client reading the spec, or a generator such as
schemathesis, sees which texts, metadata keys and filters are accepted. What JSON Schema
cannot say (nesting depth, total size, the 64-bit range after arithmetic) is still checked
by agentmem.checks and answered with 400."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from typing_extensions import TypeAliasType

from agentmem.checks import INT64, KEY_PATTERN, MAX_KEY_CHARS
from agentmem.types import KINDS, STATUSES

# No NUL anywhere, and at least one character that is neither blank nor a control or
# zero-width character (those are dropped when input is normalised).
_VISIBLE = r"[^\x00-\x20\x7f-\xa0\u200b\u200e\u200f\u2028\u2029\ufeff\s]"
Text = Annotated[str, Field(min_length=1, pattern=rf"^[^\x00]*{_VISIBLE}[^\x00]*$")]
Plain = Annotated[str, Field(pattern=r"^[^\x00]*$")]
MetaKey = Annotated[str, Field(min_length=1, max_length=MAX_KEY_CHARS, pattern=KEY_PATTERN)]
Int64 = Annotated[int, Field(ge=INT64[0], le=INT64[1])]
Scalar = Plain | bool | Int64 | float | None
JsonValue = TypeAliasType(
    "JsonValue",
    "Plain | bool | Int64 | float | None | list[JsonValue] | dict[MetaKey, JsonValue]",  # type: ignore[valid-type]
)
Metadata = dict[MetaKey, JsonValue]


def _iso_only(value: object) -> object:
    if not isinstance(value, str | datetime):  # lax datetime would take 0 as the epoch
        raise ValueError("must be an ISO 8601 date-time string")
    return value


IsoDateTime = Annotated[datetime, Field(strict=False), BeforeValidator(_iso_only)]


def _number_only(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be an integer")  # lax int would take "5" and true
    return value


def integer(ge: int, le: int) -> Any:
    """An integer in [ge, le]. JSON Schema's integer includes 5.0, which strict int refuses;
    lax int would take "5" as well. (The bounds sit inside, so the spec shows them.)"""
    return Annotated[int, Field(strict=False, ge=ge, le=le), BeforeValidator(_number_only)]


Kind = Literal[KINDS]  # type: ignore[valid-type]
Status = Literal[STATUSES]  # type: ignore[valid-type]


class SearchFilters(BaseModel):
    """Narrow a search; every condition must hold."""

    model_config = ConfigDict(extra="forbid", strict=True)
    kind: Kind | Annotated[list[Kind], Field(min_length=1)] | None = None
    status: Status | Annotated[list[Status], Field(min_length=1)] | None = None
    session_id: Plain | None = None
    subject: Plain | None = None
    attribute: Plain | None = None
    created_after: IsoDateTime | None = None
    created_before: IsoDateTime | None = None
    metadata: dict[MetaKey, Plain | bool | Int64 | float] | None = Field(
        None, min_length=1, description="top-level metadata key: the value it must equal"
    )

    def to_dict(self) -> dict:
        return self.model_dump(exclude_none=True)


__all__ = ["IsoDateTime", "Kind", "Metadata", "Plain", "SearchFilters", "Status", "Text", "integer"]
