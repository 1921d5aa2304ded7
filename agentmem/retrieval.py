"""Search: validate a request, fuse full-text and semantic ranks, add recency and importance.

Fusion is reciprocal rank fusion by default (`search.fusion = "rrf"`): each signal adds
1 / (k + rank), normalised so that a document ranked first by every signal scores 1.
`"sum"` is the calibrated alternative: the mean of the signals' [0, 1] scores. The
retrieval benchmark measures both on the same labelled data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from agentmem.checks import (
    check_datetime,
    check_metadata_filter,
    check_string,
    check_unicode,
)
from agentmem.config import SearchConfig
from agentmem.errors import ValidationError
from agentmem.stores.sql import MemoryQuery
from agentmem.types import KINDS, SEARCH_MODES, STATUSES, Scope, as_utc, utcnow

FILTER_KEYS = (
    "kind",
    "status",
    "session_id",
    "subject",
    "attribute",
    "created_after",
    "created_before",
    "metadata",
)
MAX_TOP_K = 1000


@dataclass
class Candidate:
    """One memory's signals before fusion."""

    id: str
    fulltext: float | None = None
    fulltext_rank: int | None = None
    semantic: float | None = None
    semantic_rank: int | None = None
    explanation: dict[str, float] = field(default_factory=dict)


def check_request(query: str, mode: str, top_k: int, max_chars: int) -> None:
    """Refuse a malformed search before any work is done."""
    if not isinstance(query, str) or not query.strip():
        raise ValidationError(f"query must be a non-empty string, got {query!r}")
    if len(query) > max_chars:
        raise ValidationError(
            f"query has {len(query)} characters, over max_text_chars={max_chars}; shorten it"
        )
    check_unicode(query, "query")
    if mode not in SEARCH_MODES:
        raise ValidationError(f"mode must be one of {list(SEARCH_MODES)}, got {mode!r}")
    if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= MAX_TOP_K:
        raise ValidationError(f"top_k must be an integer in 1..{MAX_TOP_K}, got {top_k!r}")


def build_query(
    scope: Scope, filters: dict[str, Any] | None, as_of: datetime | None
) -> MemoryQuery:
    """Turn a caller's `filters` into a MemoryQuery confined to the caller's scope."""
    if filters is not None and not isinstance(filters, dict):
        raise ValidationError(f"filters must be a dict, got {type(filters).__name__}")
    filters = dict(filters or {})
    unknown = sorted(set(filters) - set(FILTER_KEYS))
    if unknown:
        raise ValidationError(f"unknown filter keys {unknown}; allowed: {list(FILTER_KEYS)}")
    query = MemoryQuery(user_id=scope.user_id, agent_id=scope.agent_id)
    if as_of is not None:
        query.as_of = check_datetime(as_of, "as_of")
    if "kind" in filters:
        query.kinds = _choices("kind", filters["kind"], KINDS)
    if "status" in filters:
        query.statuses = _choices("status", filters["status"], STATUSES)
    for key in ("session_id", "subject", "attribute"):
        if key in filters:
            setattr(query, key, check_string(filters[key], f"filters[{key!r}]", 1000))
    for key in ("created_after", "created_before"):
        if key in filters:
            setattr(query, key, check_datetime(filters[key], f"filters[{key!r}]"))
    if "metadata" in filters:
        query.metadata = check_metadata_filter(filters["metadata"])
    return query


def _choices(name: str, value: Any, allowed: Sequence[str]) -> list[str]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list | tuple) or not values or any(v not in allowed for v in values):
        raise ValidationError(
            f"filters[{name!r}] must be one or more of {list(allowed)}, got {value!r}"
        )
    return list(values)


def fuse(
    mode: str,
    fulltext: list[tuple[str, float]],
    semantic: list[tuple[str, float]],
    config: SearchConfig,
) -> dict[str, Candidate]:
    """Combine the signals of one query into a candidate per memory with its fused score."""
    candidates: dict[str, Candidate] = {}
    for rank, (mid, score) in enumerate(fulltext, start=1):
        candidates.setdefault(mid, Candidate(mid)).__dict__.update(
            fulltext=score, fulltext_rank=rank
        )
    for rank, (mid, score) in enumerate(semantic, start=1):
        candidates.setdefault(mid, Candidate(mid)).__dict__.update(
            semantic=score, semantic_rank=rank
        )
    signals = {
        "hybrid": ("fulltext", "semantic"),
        "fulltext": ("fulltext",),
        "semantic": ("semantic",),
    }[mode]
    for c in candidates.values():
        for signal in signals:
            c.explanation[signal] = _contribution(c, signal, len(signals), config, mode)
    return candidates


def _contribution(c: Candidate, signal: str, n: int, config: SearchConfig, mode: str) -> float:
    score, rank = getattr(c, signal), getattr(c, f"{signal}_rank")
    if score is None:
        return 0.0
    if mode != "hybrid":
        return score
    if config.fusion == "rrf":
        return (1.0 / (config.rrf_k + rank)) / (n / (config.rrf_k + 1))
    return score / n


def final_scores(
    candidates: dict[str, Candidate],
    signals: dict[str, tuple[datetime, float]],
    config: SearchConfig,
    now: datetime | None = None,
) -> list[tuple[str, float]]:
    """Blend the fused relevance with recency and importance; best first.

    `signals` maps each memory that passed the SQL filter to (valid_from, importance).
    """
    now = now or utcnow()
    relevance_weight = 1.0 - config.recency_weight - config.importance_weight
    out = []
    for mid, c in candidates.items():
        if mid not in signals:  # filtered out by SQL (status, time, kind, metadata)
            continue
        valid_from, importance = signals[mid]
        relevance = sum(v for k, v in c.explanation.items() if k in ("fulltext", "semantic"))
        age_days = max(0.0, (now - as_utc(valid_from)).total_seconds() / 86400)
        recency = math.exp(-math.log(2) * age_days / config.recency_half_life_days)
        c.explanation.update(
            fulltext=c.explanation.get("fulltext", 0.0) * relevance_weight,
            semantic=c.explanation.get("semantic", 0.0) * relevance_weight,
            recency=config.recency_weight * recency,
            importance=config.importance_weight * importance,
        )
        extra = c.explanation["recency"] + c.explanation["importance"]
        score = relevance * relevance_weight + extra
        out.append((mid, max(0.0, min(1.0, score))))
    out.sort(key=lambda item: (-item[1], item[0]))
    return out


def explain(c: Candidate) -> dict[str, float]:
    """The parts each signal contributed, plus the raw signal scores and ranks."""
    out = dict(c.explanation)
    for signal in ("fulltext", "semantic"):
        if getattr(c, signal) is not None:
            out[f"{signal}_score"] = getattr(c, signal)
            out[f"{signal}_rank"] = float(getattr(c, f"{signal}_rank"))
    return out
