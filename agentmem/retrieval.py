"""Search: validate a request, fuse full-text and semantic results, lift conversation
neighbours, add recency and importance.

Fusion (`search.fusion`) is by standardised scores by default (`"zscore"`): each signal's
scores over its own candidates are shifted to start at 0 and divided by their standard
deviation, so a hit that stands out in one signal keeps its lead whatever that signal's
scale; the weighted sum (`search.fulltext_weight`, the rest to meaning) ranks, and a best
candidate that leads clearly scores 1. A memory said in a session is then lifted towards
its best neighbours in that session (`search.neighbour_weight`, `search.neighbour_window`
places each way, times `search.neighbour_decay` per place beyond the next): in
conversation the answer is often the turn after (or two after) the one that matches the
question. `"rrf"` (reciprocal rank fusion,
`search.rrf_k`) and `"sum"` (mean of each signal's own [0, 1] scores) remain.

Chosen on LoCoMo's dev half (turn-level evidence recall@10, every ranking replayed on the
same candidate lists; tuned on conversations 26/30/41, judged on 42/43; README has the
table): RRF k=60 0.563, below full text alone (0.620 with stemming); z-score 0.654;
z-score with full text at 0.6 and the neighbour lift (0.4, two places) 0.740 tuned, 0.703
held out. Query-dependent weights (each signal weighted by how far its top hit stands
out) measured no better (0.655) and are not used.

Re-measured on a fresh ingest (replayed on stored candidate lists; tune / held out):
the lift above 0.741 / 0.690; a stronger lift that fades less with distance (weight 0.5,
decay 0.75; chosen) 0.754 / 0.704. Not adopted: a lift of the turns of a speaker the
question names (0.743 / 0.688), full-text weight by named-entity presence (0.738 /
0.692) or by question length (0.716 / 0.680), RRF k=5 (0.706 / 0.659), and e5-small as
the meaning signal (its cosine alone is far better, 0.529 vs 0.443 tuned, but hybrid
falls to 0.721 tuned: it adds less that full text lacks).

The speaker, period and occasion factors applied after the lift: `agentmem.retrieval_factors`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from agentmem.checks import (
    check_datetime,
    check_metadata_filter,
    check_string,
    check_unicode,
)
from agentmem.config import SearchConfig
from agentmem.errors import ValidationError
from agentmem.exact_stats import pstdev
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
    speaker_factor: float | None = None  # set when the query names another speaker
    period_factor: float | None = None  # set when the query names a period it was not said in
    occasion_factor: float | None = None  # set when said on a day other than the best few
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
    """Combine the signals of one query into a candidate per memory with its fused parts."""
    candidates: dict[str, Candidate] = {}
    for rank, (mid, score) in enumerate(fulltext, start=1):
        candidates[mid] = Candidate(mid, fulltext=score, fulltext_rank=rank)
    for rank, (mid, score) in enumerate(semantic, start=1):
        c = candidates.get(mid)
        if c is None:
            candidates[mid] = Candidate(mid, semantic=score, semantic_rank=rank)
        else:
            c.semantic, c.semantic_rank = score, rank
    signals = {
        "hybrid": ("fulltext", "semantic"),
        "fulltext": ("fulltext",),
        "semantic": ("semantic",),
    }[mode]
    if mode == "hybrid" and config.fusion == "zscore":
        weighted = (
            ("fulltext", config.fulltext_weight, _standardised(fulltext)),
            ("semantic", 1.0 - config.fulltext_weight, _standardised(semantic)),
        )
        for c in candidates.values():
            parts = c.explanation
            for signal, weight, standard in weighted:
                parts[signal] = weight * standard.get(c.id, 0.0)
        return candidates
    for c in candidates.values():
        for signal in signals:
            if mode != "hybrid":
                part = getattr(c, signal) or 0.0
            else:
                part = _contribution(c, signal, len(signals), config)
            c.explanation[signal] = part
    return candidates


def _standardised(hits: list[tuple[str, float]]) -> dict[str, float]:
    """Scores shifted so the lowest fetched is 0 (as an unfetched memory is), divided by
    their standard deviation; all equal (or one hit) gives 1 to each."""
    if not hits:
        return {}
    scores = [s for _, s in hits]
    low, spread = min(scores), pstdev(scores)
    if spread <= 1e-12:
        return {mid: 1.0 for mid, _ in hits}
    return {mid: (s - low) / spread for mid, s in hits}


def _contribution(c: Candidate, signal: str, n: int, config: SearchConfig) -> float:
    score, rank = getattr(c, signal), getattr(c, f"{signal}_rank")
    if score is None:
        return 0.0
    if config.fusion == "rrf":
        return (1.0 / (config.rrf_k + rank)) / (n / (config.rrf_k + 1))
    return score / n


def lift_neighbours(
    candidates: dict[str, Candidate],
    neighbours: dict[str, list[tuple[str, int]]],
    weight: float,
    decay: float = 0.5,
) -> None:
    """Raise each memory towards its best-scoring session neighbour: its `neighbours` part
    is `weight` times how far that neighbour's fused relevance, times `decay` for each
    place beyond the next one, exceeds its own. Neighbours no signal fetched join the
    candidates."""
    base = {mid: relevance_of(c) for mid, c in candidates.items()}
    best: dict[str, float] = {}
    fading: dict[int, float] = {}  # decay ** (distance - 1), once per distance
    for mid, around in neighbours.items():
        own = base.get(mid)
        if own is None:
            continue
        for other, distance in around:
            fade = fading.get(distance)
            if fade is None:
                fade = fading[distance] = decay ** (distance - 1)
            value = own * fade
            held = best.get(other)
            if held is None:
                best[other] = value if value > 0.0 else 0.0  # max(0.0, value)
            elif value > held:
                best[other] = value
    for mid, value in best.items():
        c = candidates.get(mid)
        if c is None:
            c = candidates[mid] = Candidate(mid)
        gain = weight * max(0.0, value - base.get(mid, 0.0))
        if gain > 0:
            c.explanation["neighbours"] = gain


def relevance_of(c: Candidate) -> float:
    """The sum of the relevance parts, in the order they are set (`fuse`, then the lift)."""
    parts = c.explanation
    total = 0.0
    for part in RELEVANCE_PARTS:
        if part in parts:
            total += parts[part]
    return total


RELEVANCE_PARTS = ("fulltext", "semantic", "neighbours")
CLEAR_LEAD = 3.0


def final_scores(
    candidates: dict[str, Candidate],
    signals: dict[str, tuple[datetime, float, Any]],
    config: SearchConfig,
    now: datetime | None = None,
    *,
    scale_to_best: bool = False,
) -> list[tuple[str, float]]:
    """Blend the fused relevance with recency and importance; best first.

    `signals` maps each memory that passed the SQL filter to (valid_from, importance, ...).
    `scale_to_best` (standardised fusion, whose sums are unbounded) scales relevance so
    that the query's best candidate has 1 when it leads clearly (CLEAR_LEAD standard
    deviations above the lowest fetched); a lead over few, alike candidates scores less,
    so that importance and recency can still decide between near equals.
    """
    now = now or utcnow()
    relevance_weight = 1.0 - config.recency_weight - config.importance_weight
    kept = {mid: c for mid, c in candidates.items() if mid in signals}  # others: SQL filtered
    top = max(map(relevance_of, kept.values()), default=0.0)
    scale = 1.0 / max(top, CLEAR_LEAD) if scale_to_best else 1.0
    factor = scale * relevance_weight
    fade, half_life = -math.log(2), config.recency_half_life_days
    recency_weight, importance_weight = config.recency_weight, config.importance_weight
    out, exp = [], math.exp
    for mid, c in kept.items():
        valid_from, importance = signals[mid][:2]
        if valid_from.tzinfo is not UTC:
            valid_from = as_utc(valid_from)
        age_days = (now - valid_from).total_seconds() / 86400
        if not age_days > 0.0:  # max(0.0, age_days)
            age_days = 0.0
        parts = c.explanation
        score = 0.0  # summed in the order the parts are set, as `explain` lists them
        for part in RELEVANCE_PARTS:
            if part in parts:
                parts[part] = value = parts[part] * factor
                score += value
        parts["recency"] = recency = recency_weight * exp(fade * age_days / half_life)
        parts["importance"] = weighed = importance_weight * importance
        score += recency
        score += weighed
        score = score if score < 1.0 else 1.0  # max(0.0, min(1.0, score)), NaN alike
        out.append((mid, score if score > 0.0 else 0.0))
    out.sort(key=lambda item: (-item[1], item[0]))
    return out


def explain(c: Candidate) -> dict[str, float]:
    """The parts each signal contributed, plus the raw signal scores and ranks."""
    out = dict(c.explanation)
    for signal in ("fulltext", "semantic"):
        if getattr(c, signal) is not None:
            out[f"{signal}_score"] = getattr(c, signal)
            out[f"{signal}_rank"] = float(getattr(c, f"{signal}_rank"))
    if c.speaker_factor is not None:
        out["speaker_factor"] = c.speaker_factor
    if c.period_factor is not None:
        out["period_factor"] = c.period_factor
    if c.occasion_factor is not None:
        out["occasion_factor"] = c.occasion_factor
    return out
