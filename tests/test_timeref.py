"""Time grounding: relative expressions resolved against when they were said.

Expected dates are worked out by hand from a calendar (or, for the property check, by
`datetime` arithmetic), not from the grammar's own rules; the sentences and reference
days differ from those the grammar was written with.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from agentmem.long_term import timeref
from agentmem.types import Scope

# (said on, sentence, expression, expected date, granularity)
CASES = [
    (
        "2024-03-02",
        "The plumber came three days ago and fixed it.",
        "three days ago",
        "2024-02-28",
        "day",
    ),  # noqa: E501
    (
        "2024-03-01",
        "Grandpa turned ninety the day before yesterday!",
        "the day before yesterday",
        "2024-02-28",
        "day",
    ),  # noqa: E501
    ("2023-12-15", "We fly to Reykjavik next month.", "next month", "2024-01-01", "month"),
    ("2024-01-10", "Our lease ended last month.", "last month", "2023-12-01", "month"),
    ("2024-03-10", "Last week the kids had the flu.", "Last week", "2024-02-26", "week"),
    ("2024-03-12", "My bike was stolen last Tuesday.", "last Tuesday", "2024-03-05", "day"),
    ("2024-03-14", "The recital is next Saturday.", "next Saturday", "2024-03-16", "day"),
    ("2021-07-04", "I got married two years ago.", "two years ago", "2019-01-01", "year"),
    ("2022-11-30", "I'll start the new job in 2 weeks.", "in 2 weeks", "2022-12-12", "week"),
    (
        "2022-08-20",
        "Last November I ran my first half marathon.",
        "Last November",
        "2021-11-01",
        "month",
    ),  # noqa: E501
    ("2022-08-20", "We're repainting the porch next April.", "next April", "2023-04-01", "month"),
    ("2025-06-09", "Tonight we're grilling.", "Tonight", "2025-06-09", "day"),
    ("2025-06-09", "I visited my aunt last weekend.", "last weekend", "2025-06-07", "weekend"),
    ("2025-06-09", "She moved out a month ago.", "a month ago", "2025-05-01", "month"),
    ("2025-01-03", "I quit smoking last year.", "last year", "2024-01-01", "year"),
    ("2020-02-29", "The interview is tomorrow.", "tomorrow", "2020-03-01", "day"),
]


@pytest.mark.parametrize("said,sentence,expr,expected,granularity", CASES)
def test_resolves_phrasings(said, sentence, expr, expected, granularity):
    refs = timeref.resolve(sentence, date.fromisoformat(said))
    assert [(r.text, r.date.isoformat(), r.granularity) for r in refs] == [
        (expr, expected, granularity)
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "I was born in 1990 in Tampere.",
        "The Friday market sells cheese.",
        "A few days ago something odd happened.",  # no single reading
        "I keep a diary every day.",
        "Next is the weather report.",
    ],
)
def test_leaves_other_text_alone(sentence):
    assert timeref.resolve(sentence, date(2024, 5, 5)) == []


def test_days_and_weeks_ago_agree_with_calendar_arithmetic():
    rng = random.Random(20240611)
    words = {1: "one", 2: "two", 5: "five", 9: "nine", 12: "twelve", 17: "seventeen"}
    for _ in range(300):
        said = date(2000, 1, 1) + timedelta(days=rng.randrange(10_000))
        n = rng.choice(list(words))
        spelled = rng.choice([str(n), words[n]])
        (day,) = timeref.resolve(f"it happened {spelled} days ago", said)
        assert day.date == said - timedelta(days=n)
        (week,) = timeref.resolve(f"about {spelled} weeks ago", said)
        target = said - timedelta(weeks=n)
        assert week.date == target - timedelta(days=target.weekday())


def test_annotation_shows_the_date_after_the_expression():
    text, dates = timeref.ground("Lost my job yesterday, moved last month.", date(2023, 5, 8))
    assert text == "Lost my job yesterday (7 May 2023), moved last month (April 2023)."
    assert [d["date"] for d in dates] == ["2023-05-07", "2023-04-01"]


def test_observed_turn_carries_its_dates_into_search_and_context(mem, alice):
    said = datetime(2023, 5, 8, 13, 56, tzinfo=UTC)
    obs = mem.observe(
        "user", "I sold the old sailboat two weeks ago.", alice, observed_at=said, speaker="Maren"
    )
    (episode,) = mem.sources(obs.episode_ids[0], alice)
    assert episode.created_at == said
    assert episode.metadata["dates"][0]["date"] == "2023-04-24"
    hits = mem.search("sailboat April 2023", alice, mode="fulltext")
    assert hits and hits[0].record.id == obs.episode_ids[0]
    mem.consolidate(alice)
    ctx = mem.context("When did Maren sell the sailboat?", alice)
    system = ctx.messages[0]["content"]
    assert (
        "[8 May 2023]\nMaren: I sold" in system and "two weeks ago (the week of 24 April" in system
    )


def test_add_many_resolves_against_observed_at(mem, alice):
    (record,) = mem.add_many(
        ["Our daughter started school yesterday."],
        alice,
        observed_at=datetime(2022, 9, 6, tzinfo=UTC),
    )
    assert record.metadata["dates"][0]["date"] == "2022-09-05"


def test_observed_at_must_be_a_datetime(mem, alice):
    from agentmem.errors import ValidationError

    with pytest.raises(ValidationError, match="observed_at"):
        mem.observe("user", "hello there", alice, observed_at="2023-05-08")
    assert mem.sql("SELECT count(*) AS n FROM episodes", alice)[0]["n"] == 0


# Expressions whose calendar reading is a convention keep what was said, restated against
# the day it was said. Dates worked out by hand from a calendar.
RELATIONS = [
    # said on, sentence, expected label
    (
        "2024-09-18",  # a Wednesday
        "My tooth got pulled last Thurs, still sore.",
        "12 September 2024, the Thursday before 18 September 2024",
    ),
    (
        "2021-04-06",  # a Tuesday
        "We took the dinghy out two weekends ago.",
        "the weekend of 27 March 2021, two weekends before 6 April 2021",
    ),
    (
        "2019-02-14",  # a Thursday
        "The furnace broke last week and we froze.",
        "the week of 4 February 2019, the week before 14 February 2019",
    ),
    (
        "2019-02-14",
        "This week has been chaos at the depot.",
        "the week of 11 February 2019, the week of 14 February 2019",
    ),
    ("2019-02-14", "The furnace broke three days ago.", "11 February 2019"),
]


@pytest.mark.parametrize("said,sentence,label", RELATIONS)
def test_conventional_readings_keep_the_relation_to_the_day_said(said, sentence, label):
    (ref,) = timeref.resolve(sentence, date.fromisoformat(said))
    assert ref.label == label


@pytest.mark.parametrize(
    "sentence", ["When I last sat in a cockpit I was twenty.", "This sun is fierce."]
)
def test_short_weekdays_that_are_words_are_left_alone(sentence):
    assert timeref.resolve(sentence, date(2024, 5, 5)) == []


def test_context_shows_the_turn_date_and_the_resolved_date(mem, alice):
    said = datetime(2024, 9, 18, 19, 5, tzinfo=UTC)  # a Wednesday
    mem.observe("user", "Hey! My sister flew back to Lagos on Monday.", alice, observed_at=said)
    mem.observe(
        "user",
        "Oh and the vet spayed our cat Biscuit the day before yesterday, she is groggy.",
        alice,
        observed_at=said,
        speaker="Priya",
    )
    mem.observe("assistant", "Poor Biscuit, give her a treat.", alice, observed_at=said)
    mem.observe("user", "Her stitches get checked next Tues.", alice, observed_at=said)
    mem.consolidate(alice)
    later = Scope(user_id=alice.user_id, session_id="later")
    system = mem.context("When was Biscuit spayed?", later).messages[0]["content"]
    assert "[18 September 2024]\n" in system  # the day, then each turn with who said it
    assert "\nPriya: Oh and the vet spayed" in system
    assert "the day before yesterday (16 September 2024)" in system
    system = mem.context("When are Biscuit's stitches checked?", later).messages[0]["content"]
    assert "next Tues (24 September 2024, the Tuesday after 18 September 2024)" in system


# Spans running up to the day said and seasons; sentences written for this test, dates
# worked out by hand from a calendar (seasons as the northern hemisphere's meteorological
# ones: spring from March, summer from June, autumn from September, winter from December).
SPANS_AND_SEASONS = [
    # said on, sentence, expected (expression, label) pairs
    ("2022-10-04", "I've been keeping bees for six years.", [("for six years", "since 2016")]),
    ("2022-10-04", "Three months now without a cigarette!", [("Three months", "since July 2022")]),
    (
        "2021-03-15",
        "Over the past two weeks the shop has been quiet.",
        [("Over the past two weeks", "since the week of 1 March 2021")],
    ),
    ("2020-11-20", "We went to Crete last summer.", [("last summer", "summer 2020")]),
    ("2020-07-20", "We went to Crete last summer.", [("last summer", "summer 2019")]),
    ("2020-07-20", "The boat gets painted next spring.", [("next spring", "spring 2021")]),
    ("2023-01-09", "This winter the pond froze twice.", [("This winter", "winter 2022-2023")]),
    ("2019-04-02", "I start at the new school this fall.", [("this fall", "fall 2019")]),
]


@pytest.mark.parametrize("said,sentence,expected", SPANS_AND_SEASONS)
def test_spans_up_to_now_and_seasons(said, sentence, expected):
    refs = timeref.resolve(sentence, date.fromisoformat(said))
    assert [(r.text, r.label) for r in refs] == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "She will live in Lisbon for two years.",  # a span ahead: its tense decides
        "The dog was with us for eleven years.",  # a span that ended: when is not said
        "For the last three years of school I rowed.",  # a span of something else
        "Summer is my favourite season.",
    ],
)
def test_spans_without_one_reading_are_left_alone(sentence):
    assert timeref.resolve(sentence, date(2024, 5, 5)) == []
