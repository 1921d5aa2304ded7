"""Relevance factors applied after the neighbour lift: the speaker, the period and the
occasion a question names or implies. Each multiplies the relevance parts of the
candidates it disfavours (`retrieval.RELEVANCE_PARTS`) and records its factor on them.

Speaker of the question (`search.named_speaker_weight`, 0.5): when the query names
exactly one speaker of the candidates, the other speakers' turns lose half their
relevance after the lift. On the tuning conversations the question names one speaker
for 463 of 519 evidence turns, and 449 of those were said by that speaker. Replayed on
a fresh ingest (every conversation's candidate lists stored once): tune 0.768 -> 0.813,
held out 0.732 -> 0.747 (multi-hop 0.416 -> 0.474, open-domain 0.390 -> 0.490,
single-hop 0.839 -> 0.844, temporal 0.833 -> 0.803). Applied before the lift it gains
nothing (0.765 tuned); query-dependent full-text weights (by the question word, by the
number of content words, by how far each list's top stands out) and min-max instead of
z-score scaling measured within 0.01 of it on the tuning conversations and are not used.

Period named by the question (`search.named_period_weight`, 0.3; `agentmem.period_query`):
when the query names a day, month or year in which some candidates were said, the others
lose that share of their relevance. Tuning conversations, 383 questions (38 name a
period), same ingest: 0.812 -> 0.817 (0.3), 0.814 (0.5 and 0.7); single-hop 0.905 -> 0.915.

The occasion (`search.occasion_weight`, 0.3; `search.occasion_days`, 3): conversation
turns said on a day other than the three whose best turn is most relevant lose that share
of their relevance, after the speaker and period factors: what is asked was mostly said on
one occasion. Tuning conversations, live search on one layered store per conversation:
0.813 -> 0.820 (open-domain 0.342 -> 0.395, single-hop 0.907 -> 0.917, multi-hop 0.478 ->
0.472); days scored by their best three turns 0.819, five days kept 0.811, weight 0.5 0.809.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache

from agentmem.config import SearchConfig
from agentmem.period_query import outside_named_period
from agentmem.retrieval import RELEVANCE_PARTS, Candidate, relevance_of


def favour_named_speaker(
    candidates: dict[str, Candidate],
    said_by: dict[str, str],
    query: str,
    config: SearchConfig,
) -> str | None:
    """When the query names exactly one of the speakers of the candidates ("What did
    Caroline research?"), the turns of the other speakers lose `named_speaker_weight` of
    their relevance: in a conversation, what is asked about a person is mostly what that
    person said. Applied after the neighbour lift, so a question of the other speaker
    still lifts the answer that follows it. Returns the speaker named, if one was."""
    named = [s for s in set(said_by.values()) if _names(query, s)]
    if len(named) != 1 or len(set(said_by.values())) < 2:
        return None
    keep = 1.0 - config.named_speaker_weight
    for mid, c in candidates.items():
        if said_by.get(mid, named[0]) != named[0]:
            for part in RELEVANCE_PARTS:
                if part in c.explanation:
                    c.explanation[part] *= keep
            c.speaker_factor = keep
    return named[0]


def favour_named_period(
    candidates: dict[str, Candidate],
    said_at: dict[str, datetime],
    query: str,
    config: SearchConfig,
) -> None:
    """When the query names a period ("in June", "on 3 May 2023") in which some candidates
    were said and others not, those others lose `named_period_weight` of their relevance
    (`agentmem.period_query`)."""
    keep = 1.0 - config.named_period_weight
    for mid in outside_named_period(query, said_at):
        c = candidates[mid]
        for part in RELEVANCE_PARTS:
            if part in c.explanation:
                c.explanation[part] *= keep
        c.period_factor = keep


def favour_best_occasions(
    candidates: dict[str, Candidate],
    said_at: dict[str, datetime],
    config: SearchConfig,
) -> None:
    """Turns said on a day other than the `occasion_days` days whose best turn is most
    relevant lose `occasion_weight` of their relevance: what a question asks about was
    mostly said on one occasion, so the turns around the best matches of that day
    outrank a lone turn of another day that shares a word with the question. `said_at`
    holds the candidates that are conversation turns (said by someone); fewer days than
    that many: nothing changes."""
    best: dict[date, float] = {}
    days = {mid: when.date() for mid, when in said_at.items()}
    for mid, day in days.items():
        relevance, held = relevance_of(candidates[mid]), best.get(day, 0.0)
        best[day] = relevance if relevance > held else held  # max(held, relevance)
    if len(best) <= config.occasion_days:
        return
    kept = set(sorted(best, key=lambda d: (-best[d], d))[: config.occasion_days])
    keep = 1.0 - config.occasion_weight
    for mid, day in days.items():
        if day not in kept:
            c = candidates[mid]
            for part in RELEVANCE_PARTS:
                if part in c.explanation:
                    c.explanation[part] *= keep
            c.occasion_factor = keep


def _names(query: str, name: str) -> bool:
    return _name_pattern(name).search(query) is not None


@lru_cache(maxsize=1024)
def _name_pattern(name: str) -> re.Pattern[str]:
    """The name as a whole word, any case (a store's speakers are few and recur)."""
    return re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)
