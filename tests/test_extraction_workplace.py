"""Employers named by their kind, and stays that are states (`extraction_workplace`,
`extraction_copula`, the parse's ended states).

The noun lists are the ones the kinds were written against; the hand suites (tests/
changes_hand, tests/conflicts_hand) are scored apart from them. Two nouns of places of work
fall on the other side ("a garage", "a bank"): the share is asserted, not every noun."""

from __future__ import annotations

import pytest
from change_cases import facts_after
from parse_reading import read

from agentmem.facts.extraction import parse
from agentmem.facts.extraction.workplace import workplace

pytestmark = pytest.mark.skipif(not parse.available(), reason="needs agentmem[parse]")

PLACES = """a hospital|a law firm|the supermarket|a charity|a garage|a call centre|a bank|the
building society|a nursing home|a primary school|the tax office|a car dealership|the pub|a
startup|a consultancy|the museum|a newspaper|the zoo|the library|a hotel|the gym|a
vineyard|an airline|the police station""".replace("\n", " ").split("|")
OTHERS = """night|the weekend|a living|pleasure|a fast pace|the moment|weekends|my desk|the
kitchen table|a cause|a good cause|a few hours|my dad|my brother|a friend|minimum wage|a
project|the deadline|the same time|the computer|my laptop|the day|the evening|a little
while|tips|my own pace""".replace("\n", " ").split("|")


def test_most_places_of_work_are_employers():
    missed = [p for p in PLACES if not workplace(p)]
    assert len(missed) <= 2, missed


def test_times_purposes_manners_and_people_are_not():
    assert [p for p in OTHERS if workplace(p)] == []


@pytest.mark.parametrize(
    "text, fact",
    [
        ("Marta works at a veterinary clinic.", ("Marta", "works_at", "veterinary clinic", False)),
        ("I work for an insurance broker.", ("user", "works_at", "insurance broker", False)),
        ("Nowadays I'm at Quellbrook.", ("user", "works_at", "Quellbrook", False)),
        ("I quit Ostrava Steel, now I'm at Varnholt.", ("user", "works_at", "Varnholt", False)),
    ],
)
def test_employers_read(text, fact):
    assert fact in read(text)


@pytest.mark.parametrize(
    "text",
    ["I work at weekends.", "I work for a living.", "I work at my own pace.", "I'm at Heathrow."],
)
def test_no_employer_read(text):
    assert not [r for r in read(text) if r[1] == "works_at"]


def test_an_ended_state_named_in_part_ends_the_stored_value():
    facts = facts_after(
        "I work at an animal hospital in Truro.", "I no longer work at the hospital."
    )
    assert ("superseded", "works_at", "animal hospital") in facts
    assert ("active", "works_at", "animal hospital") not in facts


def test_a_new_value_beside_an_ended_one_replaces_it():
    facts = facts_after(
        "I live in Harrogate.", "I don't live in Harrogate any more; I live in Ripon."
    )
    assert ("active", "lives_in", "Ripon") in facts
    assert ("superseded", "lives_in", "Harrogate") in facts


def test_a_present_stay_is_a_home_only_beside_an_ended_one():
    moved = facts_after(
        "I live in Swindon.", "I don't live in Swindon any more, I'm in Bristol now."
    )
    assert ("active", "lives_in", "Bristol") in moved
    assert ("superseded", "lives_in", "Swindon") in moved
    trip = facts_after("I live in Swindon.", "I'm in Lisbon now, the weather is lovely.")
    assert ("active", "lives_in", "Swindon") in trip
    assert not [f for f in trip if f[2] == "Lisbon"]


def test_these_days_does_not_date_a_visit():
    assert ("user", "works_at", "Quellbrook", False) in read("I'm at Quellbrook these days.")
