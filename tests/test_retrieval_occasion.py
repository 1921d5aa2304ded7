"""What a question asks about was mostly said on one occasion.

Generated here, with this file's own templates and seed: two friends talk on eight days;
on one day one of them tells of an outing over several turns, the detail asked about in a
turn that shares only a word or two with the question; on the other days single turns
use the question's words about something else. Turns said on days other than the few
best ones lose `search.occasion_weight` of their relevance.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from agentmem import Memory
from agentmem.retrieval import Candidate
from agentmem.retrieval_factors import favour_best_occasions
from agentmem.types import Scope

OUTINGS = [  # (the outing, what was done there, the detail asked about, its words)
    ("the harbour festival", "watched the tall ships", "a lantern shaped like a heron"),
    ("the cider farm", "pressed apples all morning", "a jar of quince jelly"),
    ("the glass museum", "saw a furnace demonstration", "a paperweight with a blue swirl"),
    ("the mountain hut", "hiked up through the fog", "a carved walking stick"),
    ("the book fair", "listened to three readings", "a first edition of a sea novel"),
]
TELLING = [
    "We spent Saturday at {outing}, it was packed.",
    "Oh nice! What did you do at {outing}?",
    "We {did}, then wandered around the stalls.",
    "Did you bring anything back?",
    "Yes, I bought {detail} before we left.",
]
ELSEWHERE = [  # a question word used about something else, one turn a day
    "My boss keeps saying we should bring back the Friday stalls.",
    "I bought new tyres for the bike, finally.",
    "Anything good on at the cinema this week?",
    "Left my umbrella on the bus again, typical.",
    "They packed the office into boxes for the move.",
    "Before we left the flat I checked the gas twice.",
    "The kids want to go back to the farm shop for ice cream.",
]
CHATTER = ["Ha, fair enough.", "Sounds good to me.", "Talk soon!", "Same here, honestly."]
QUESTION = "What did Ines buy at {outing}?"
PEOPLE = ("Ines", "Mateo")


def _store(mem: Memory, user: str, rng: random.Random, outing: tuple[str, str, str]) -> str:
    """Eight days of talk; returns the id of the turn that holds the detail."""
    start = datetime(2024, 2, 1, 18, tzinfo=UTC)
    telling_day = rng.randrange(8)
    answer = ""
    for day in range(8):
        if day == telling_day:
            texts = [t.format(outing=outing[0], did=outing[1], detail=outing[2]) for t in TELLING]
        else:
            texts = [rng.choice(ELSEWHERE), *rng.sample(CHATTER, 3)]
        speakers = [PEOPLE[i % 2] for i in range(len(texts))]
        records = mem.add_many(
            texts,
            Scope(user_id=user, session_id=f"day{day}"),
            [{"speaker": s} for s in speakers],
            kind="episode",
            observed_at=start + timedelta(days=3 * day),
        )
        if day == telling_day:
            answer = records[-1].id
    return answer


def _rank_of_answers(tmp_path, weight: float) -> list[int]:
    rng = random.Random(8086)
    ranks = []
    with Memory(
        home=tmp_path / f"w{weight}",
        embedding={"model": "hash"},
        search={"occasion_weight": weight},
    ) as mem:
        for n, outing in enumerate(OUTINGS):
            answer = _store(mem, f"u{n}", rng, outing)
            mem.long_term.flush()
            hits = mem.search(QUESTION.format(outing=outing[0]), f"u{n}", top_k=10)
            ids = [h.record.id for h in hits]
            ranks.append(ids.index(answer) + 1 if answer in ids else 11)
    return ranks


def test_the_occasion_a_question_asks_about_ranks_its_turns_first(tmp_path):
    without = _rank_of_answers(tmp_path, 0.0)
    with_focus = _rank_of_answers(tmp_path, 0.3)
    print(f"rank of the detail without / with the focus: {without} / {with_focus}")
    assert sum(with_focus) < sum(without)
    assert all(w <= o for w, o in zip(with_focus, without, strict=True))


def _candidate(mid: str, relevance: float) -> Candidate:
    c = Candidate(mid)
    c.explanation["fulltext"] = relevance
    return c


def test_only_turns_of_days_beyond_the_best_few_lose_relevance():
    from agentmem.config import SearchConfig

    config = SearchConfig(occasion_weight=0.4, occasion_days=2)
    day = [datetime(2023, 3, d, 12, tzinfo=UTC) for d in (1, 2, 3, 4)]
    relevance = {"a1": 2.0, "a2": 0.1, "b1": 1.5, "c1": 0.4, "d1": 0.3, "note": 0.2}
    candidates = {mid: _candidate(mid, r) for mid, r in relevance.items()}
    said_at = {"a1": day[0], "a2": day[0], "b1": day[1], "c1": day[2], "d1": day[3]}
    favour_best_occasions(candidates, said_at, config)
    parts = {mid: c.explanation["fulltext"] for mid, c in candidates.items()}
    # days 1 and 2 hold the best turns: all their turns keep theirs, however weak
    assert parts["a1"] == 2.0 and parts["a2"] == 0.1 and parts["b1"] == 1.5
    assert parts["c1"] == pytest.approx(0.24) and parts["d1"] == pytest.approx(0.18)
    assert parts["note"] == 0.2  # not a turn of a conversation: untouched
    assert candidates["c1"].occasion_factor == pytest.approx(0.6)


def test_as_few_days_as_kept_change_nothing():
    from agentmem.config import SearchConfig

    config = SearchConfig(occasion_weight=0.5, occasion_days=3)
    said_at = {f"t{d}": datetime(2023, 5, d, tzinfo=UTC) for d in (1, 2, 3)}
    candidates = {mid: _candidate(mid, 1.0 / (i + 1)) for i, mid in enumerate(said_at)}
    favour_best_occasions(candidates, said_at, config)
    assert all(c.occasion_factor is None for c in candidates.values())
