"""Argument checks shared by every public entry point: the Python API, HTTP, the CLI and
import all call these, so a value one door refuses is refused by every door.

Each check returns the value it accepts (normalised) or raises a ValidationError that names
the value and the fix. Callers run them before anything is written: a value that SQLite or
PostgreSQL cannot store or read back (a lone surrogate, NUL, NaN, nesting deeper than the
JSON functions accept) would otherwise be committed and break every later read of its user.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

from agentmem.errors import ValidationError

MAX_METADATA_BYTES = 64 * 1024
# SQLite's JSON functions refuse nesting deeper than 1000 levels, and a parser recursing on
# it can exhaust the stack long before; real metadata is a few levels deep.
MAX_METADATA_DEPTH = 32
MAX_KEY_CHARS = 128
# Metadata keys become JSON paths in filters ($."key" on SQLite): quotes, backslashes and
# control characters could escape the path, so keys are names, not arbitrary text.
KEY_PUNCTUATION = frozenset("_-.:/@+ ")
KEY_PATTERN = r"^[\w\-.:/@+ ]+$"  # the same rule, for schemas (Python's \w: isalnum or _)
INT64 = (-(2**63), 2**63 - 1)


def check_unicode(value: str, name: str) -> str:
    """Refuse NUL and lone surrogates: neither survives a round trip through the stores."""
    if "\x00" in value:
        raise ValidationError(f"{name} contains a NUL character (\\x00); remove it")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValidationError(
            f"{name} is not valid UTF-8: a lone surrogate {value[exc.start]!r} at position "
            f"{exc.start}; decode the input as UTF-8 (errors='replace') or remove it"
        ) from None
    return value


def check_text(text: Any, max_chars: int, name: str = "text") -> str:
    """A non-empty string of at most `max_chars` characters, valid UTF-8, without NUL."""
    if not isinstance(text, str):
        raise ValidationError(f"{name} must be a string, got {type(text).__name__}")
    if not text.strip():
        raise ValidationError(f"{name} must not be empty or whitespace; pass the memory's text")
    if len(text) > max_chars:
        raise ValidationError(
            f"{name} has {len(text)} characters, over max_text_chars="
            f"{max_chars}; split it or raise max_text_chars in the config"
        )
    return check_unicode(text, name)


def check_string(value: Any, name: str, max_chars: int = 256) -> str:
    """A short string (an id, a name): valid UTF-8, without NUL, at most `max_chars`."""
    if not isinstance(value, str):
        raise ValidationError(f"{name} must be a string, got {type(value).__name__}")
    if len(value) > max_chars:
        raise ValidationError(f"{name} has {len(value)} characters, over {max_chars}; shorten it")
    return check_unicode(value, name)


def check_key(key: Any, name: str) -> str:
    """A metadata key: 1..128 letters, digits or `_-.:/@+` and spaces."""
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_CHARS:
        raise ValidationError(
            f"{name} keys must be strings of 1 to {MAX_KEY_CHARS} characters, got {key!r:.60}"
        )
    bad = next((c for c in key if not (c.isalnum() or c in KEY_PUNCTUATION)), None)
    if bad is not None:
        raise ValidationError(
            f"{name} key {key!r:.60} contains {bad!r}; keys may use letters, digits, spaces "
            f"and {''.join(sorted(KEY_PUNCTUATION - {' '}))} only, rename the key"
        )
    return check_unicode(key, f"{name} key")


def check_json_value(value: Any, name: str) -> Any:
    """A JSON scalar agentmem can store and compare: str, bool, None, a 64-bit int or a
    finite float."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return check_unicode(value, name)
    if isinstance(value, int):
        if not INT64[0] <= value <= INT64[1]:
            raise ValidationError(
                f"{name} is {value}, outside the 64-bit integer range; store it as a string"
            )
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(
                f"{name} is {value!r}; JSON has no NaN or Infinity, store a finite number or null"
            )
        return value
    raise ValidationError(
        f"{name} must be JSON (str, number, bool, null, list or dict), "
        f"got {type(value).__name__}: {value!r:.60}"
    )


def check_metadata(metadata: Any, name: str = "metadata") -> dict[str, Any]:
    """A JSON object with named keys, finite numbers, valid UTF-8, at most 32 levels deep
    and 64 KiB as JSON; returns a copy (tuples become lists)."""
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise ValidationError(f"{name} must be a dict with string keys, got {metadata!r:.80}")
    out = _copy(metadata, name, 1)
    size = len(json.dumps(out, ensure_ascii=False).encode("utf-8"))
    if size > MAX_METADATA_BYTES:
        raise ValidationError(
            f"{name} is {size} bytes as JSON, over {MAX_METADATA_BYTES}; "
            "store large content as text instead"
        )
    return out


def _copy(value: Any, name: str, depth: int) -> Any:
    if isinstance(value, dict | list | tuple) and depth > MAX_METADATA_DEPTH:
        raise ValidationError(
            f"{name:.60} is nested more than {MAX_METADATA_DEPTH} levels deep; flatten it"
        )
    if isinstance(value, dict):
        return {check_key(k, name): _copy(v, f"{name}[{k!r}]", depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_copy(v, f"{name}[{i}]", depth + 1) for i, v in enumerate(value)]
    return check_json_value(value, name)


def check_json(value: Any, name: str) -> Any:
    """Any JSON value agentmem can store: scalars as `check_json_value`, containers with
    named keys and at most 32 levels deep."""
    return _copy(value, name, 1)


def check_metadata_filter(value: Any, name: str = "metadata filter") -> dict[str, Any]:
    """Top-level metadata key -> scalar to compare with; keys as `check_key`, values bound."""
    if not isinstance(value, dict) or not value:
        raise ValidationError(f"{name} must be a non-empty dict of key: value, got {value!r:.80}")
    out = {}
    for key, item in value.items():
        check_key(key, name)
        if isinstance(item, dict | list | tuple) or item is None:
            raise ValidationError(
                f"{name} values must be str, int, float or bool, got {item!r:.60} for {key!r}"
            )
        out[key] = check_json_value(item, f"{name}[{key!r}]")
    return out


def check_datetime(value: Any, name: str) -> datetime:
    """A datetime or ISO 8601 string, as UTC; naive values are taken as UTC. Refuses times
    whose UTC equivalent falls outside years 1..9999 (Python and the stores cannot hold it)."""
    parsed = value
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
    if not isinstance(parsed, datetime):
        raise ValidationError(f"{name} must be a datetime or an ISO 8601 string, got {value!r:.60}")
    try:
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except OverflowError:
        raise ValidationError(
            f"{name} {value!s:.40} is outside the representable range once converted to UTC "
            "(years 1 to 9999); pass a later or earlier time"
        ) from None


__all__ = [
    "MAX_METADATA_BYTES",
    "KEY_PATTERN",
    "MAX_METADATA_DEPTH",
    "check_datetime",
    "check_json",
    "check_json_value",
    "check_key",
    "check_metadata",
    "check_metadata_filter",
    "check_string",
    "check_text",
    "check_unicode",
]
