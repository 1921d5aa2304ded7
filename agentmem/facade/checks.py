"""Argument checks and derived values shared by `Memory`'s methods."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from agentmem.checks import check_string
from agentmem.errors import ValidationError
from agentmem.facts import derived
from agentmem.facts.extraction import FactExtractor
from agentmem.long_term import timeref
from agentmem.types import KINDS, MemoryRecord


def check_id(memory_id: Any) -> str:
    if not isinstance(memory_id, str) or not memory_id or len(memory_id) > 64:
        raise ValidationError(f"memory id must be a non-empty string, got {memory_id!r}")
    return check_string(memory_id, "memory id")


def check_source(source: str) -> None:
    if not isinstance(source, str) or not source.strip() or len(source) > 32:
        raise ValidationError(
            f"source must be a short non-empty string such as 'user', 'tool' "
            f"or 'assistant', got {source!r}"
        )
    check_string(source, "source")


def with_dates(metadata: dict[str, Any], text: Any, said_at: datetime) -> dict[str, Any]:
    """Relative dates of a stored text ("yesterday") resolved against when it was said."""
    if not isinstance(text, str) or "dates" in metadata:
        return metadata
    refs = timeref.resolve(text, said_at)
    return {**metadata, "dates": [r.as_dict() for r in refs]} if refs else metadata


def check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValidationError(f"kind must be one of {list(KINDS)}, got {kind!r}")


def check_unit(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValidationError(f"{name} must be a number in [0, 1], got {value!r}")


def slot_of(
    current: MemoryRecord, text: str, metadata: dict[str, Any], extractor: FactExtractor
) -> dict[str, Any]:
    """The fact fields of a note or fact after its text changed, read again from the new
    text, so that a fact's value follows its text ("I live in Paris" is no longer Berlin).
    A text the extractor cannot read as a fact keeps the fields it had. Summaries and
    episodes keep their fields."""
    if current.kind not in derived.READ_KINDS:
        return {}
    probe = dataclasses.replace(
        current, text=text, kind="note", subject=None, attribute=None, value=None, metadata={}
    )
    [facts] = extractor.extract_many(
        [text], source=current.source, speakers=[derived.speaker_of(metadata)]
    )
    # A text that states several facts stays the fact of its slot when one of them fills
    # it ("I live in Porto, in Ribeira" is still where the user lives).
    same_slot = [
        f
        for f in facts
        if current.is_fact and (f.subject, f.attribute) == (current.subject, current.attribute)
    ]
    chosen = max(same_slot, key=lambda f: f.confidence) if same_slot else None
    if chosen is None and len(facts) == 1:
        chosen = facts[0]
    reread = derived.with_fact(probe, chosen) if chosen is not None else probe
    if not reread.is_fact:
        return {}
    meta = {k: v for k, v in metadata.items() if k != "negated"}
    meta.update({k: v for k, v in reread.metadata.items() if k == "negated"})
    return {
        "kind": reread.kind,
        "subject": reread.subject,
        "attribute": reread.attribute,
        "value": reread.value,
        "confidence": reread.confidence,
        "metadata": meta,
    }
