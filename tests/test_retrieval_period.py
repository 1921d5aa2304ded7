"""A question that names when something was said is answered from what was said then.

The conversations are generated here: one thing is spoken of in two sessions months apart;
the session the question does not name speaks of it with more of the question's words
(so full text alone prefers it). Phrasings of the period and the things are not the code's.
"""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime

import pytest

from agentmem import Memory, period_query
from agentmem.period_query import Period, named_periods
from agentmem.types import Scope

THINGS = ["harmonica", "sourdough starter", "telescope", "rowing machine", "bonsai"]
ASKED = "the {thing}"
PLAIN = "Spent the evening with my {thing}, quiet and nice."
LOUD = "The {thing}! Honestly the {thing} is the best, I adore that {thing} so much."
SMALL_TALK = [
    "Rainy again here, the gutters are overflowing.",
    "Did you catch the match last night?",
    "My cousin is visiting next week, should be fun.",
    "Work has been hectic but manageable.",
]
WHEN = [
    ("in {month}", lambda d: d.strftime("%B")),
    ("in {month}", lambda d: d.strftime("%B %Y")),
    ("on {month}", lambda d: f"{d.day} {d:%B} {d.year}"),
    ("on {month}", lambda d: f"{d:%B} {d.day}, {d.year}"),
]


def _said(rng: random.Random) -> tuple[datetime, datetime]:
    first = datetime(2022, rng.randrange(1, 6), rng.randrange(1, 28), 10, tzinfo=UTC)
    later = first.replace(month=first.month + rng.randrange(2, 6))
    return (first, later) if rng.random() < 0.5 else (later, first)


@pytest.mark.parametrize("weight", [0.0, 0.5])
def test_the_turn_said_in_the_named_period_comes_first(tmp_path, weight):
    rng = random.Random(4242)
    right = 0
    with Memory(
        home=tmp_path / "m",
        embedding={"model": "hash"},
        search={"named_period_weight": weight},
    ) as mem:
        for n, thing in enumerate(THINGS):
            user = f"u{n}"
            asked, other = _said(rng)
            ids = {}
            for session, (moment, text) in enumerate([(asked, PLAIN), (other, LOUD)]):
                records = mem.add_many(
                    [text.format(thing=thing), *SMALL_TALK],
                    Scope(user_id=user, session_id=f"s{session}"),
                    kind="episode",
                    observed_at=moment,
                )
                ids[moment] = records[0].id
            mem.long_term.flush()
            phrase, render = rng.choice(WHEN)
            question = f"What did I say about {ASKED.format(thing=thing)} {phrase}?".format(
                month=render(asked)
            )
            hits = mem.search(question, user, top_k=10, explain=True)
            ranked = [h for h in hits if h.record.id in ids.values()]
            right += ranked[0].record.id == ids[asked]
            if weight:
                (loud,) = [h for h in ranked if h.record.id == ids[other]]
                assert loud.explanation["period_factor"] == pytest.approx(1 - weight)
    assert right == (len(THINGS) if weight else 0)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Where was the lantern festival on the 2nd of August 2021?", [Period(2021, 8, 2)]),
        ("what happened Sept 9, 2020", [Period(2020, 9, 9)]),
        ("anything new during November?", [Period(None, 11, None)]),
        ("How did the 2019 harvest go?", [Period(2019, None, None)]),
        ("May I borrow your ladder?", []),
        ("Is that sketch by Jan or by Mar?", []),
        ("I counted 12 marbles", []),
    ],
)
def test_named_periods(query, expected):
    assert named_periods(query) == expected


@pytest.mark.parametrize(
    "query",
    [
        "what did the ferryman say on 14 March 2022",
        "Anything from mid-october about the orchard?",
        "the quarrel of 1998",
        "did Ines call on Feb. 3rd, 2024 or later",
        "Since JULY the bees have been restless",
        "the 4th of dec",
        "what did Oskar fix last week?",
        "may the rain hold off for the picnic",
        "remind me what the vet said",
        "sorted the 5 crates by size",
    ],
)
def test_the_quick_refusal_finds_what_every_rule_finds(query, monkeypatch):
    """A query is refused at once only when no rule could read a period in it: with and
    without the quick scan, the same periods (phrasings with and without digits, named
    months, abbreviations, and none)."""
    quick = named_periods(query)
    monkeypatch.setattr(period_query, "_MAY_NAME", re.compile(""))  # matches every query
    assert quick == named_periods(query)
