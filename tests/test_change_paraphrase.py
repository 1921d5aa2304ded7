"""Changes of state said in other words, through `Memory.add` (SQLite, hash embedder): a
dwelling acquired or a settling in a place after an ending is the new home; a switch from a
tool or a food ends the activity whose statement names it, and "moved to Y" is a home only
where Y is a place; a departure placed in the day ends nothing; "my Y isn't X anymore,
it's Z" replaces X with Z."""

from __future__ import annotations

import pytest
from change_cases import facts_after

NEW_HOME = [  # (first, second, old home, new home)
    ("My sister lives in Dublin.", "My sister left Dublin and settled in Cork.", "Dublin", "Cork"),
    ("I live in Leeds.", "I left Leeds and put down roots in Perth.", "Leeds", "Perth"),
    (
        "I live in Lisbon.",
        "We sold our flat in Lisbon and rented an apartment in Porto.",
        "Lisbon",
        "Porto",
    ),
    (
        "Tom lives in Derby.",
        "Tom moved out of Derby and bought a cottage in Bath.",
        "Derby",
        "Bath",
    ),
]


@pytest.mark.parametrize("first,second,old,new", NEW_HOME)
def test_a_home_taken_after_an_ending_is_the_new_home(first, second, old, new):
    facts = facts_after(first, second)
    homes = {(status, value) for status, attribute, value in facts if attribute == "lives_in"}
    assert ("active", new) in homes, facts
    assert ("superseded", old) in homes and ("active", old) not in homes, facts


SWITCHED_TOOLS = [  # (first, second, new value): the first's one activity ends
    ("I write code in Vim.", "I moved from Vim to VS Code.", "VS Code"),
    ("I edit my photos in Lightroom.", "I switched from Lightroom to Darktable.", "Darktable"),
    ("I draw my comics in Procreate.", "I went from Procreate to Krita.", "Krita"),
]


@pytest.mark.parametrize("first,second,new", SWITCHED_TOOLS)
def test_a_switch_ends_the_activity_whose_statement_names_the_old_value(first, second, new):
    facts = facts_after(first, second)
    assert not any(a == "lives_in" for _, a, _ in facts), facts  # a tool is no home
    assert ("active", "does", new) in facts, facts
    assert not any(s == "active" and a == "does" and v != new for s, a, v in facts), facts


@pytest.mark.parametrize(
    "first,second",
    [
        ("We eat a lot of red meat.", "We've stopped buying red meat."),
        ("I drink loads of fizzy drinks.", "I've stopped buying fizzy drinks."),
    ],
)
def test_a_stop_ends_the_activity_whose_statement_names_its_object(first, second):
    facts = facts_after(first, second)
    assert any(s == "superseded" and a == "does" for s, a, _ in facts), facts
    assert not any(s == "active" and a == "does" for s, a, _ in facts), facts


@pytest.mark.parametrize(
    "first,second",
    [
        ("I work at Stripe.", "I left the Stripe office early today."),
        ("I live in Oslo.", "I left Oslo this morning."),
        ("I work at Hooli.", "I left Hooli at 6pm to pick up my son."),
        ("Maria works at Zara.", "Maria left Zara late last night."),
    ],
)
def test_a_departure_placed_in_the_day_ends_nothing(first, second):
    facts = facts_after(first, second)
    assert not any(s == "superseded" for s, _, _ in facts), facts


@pytest.mark.parametrize(
    "first,second,old",
    [
        ("I work at Initech.", "I left Initech late last year.", "Initech"),
        ("I work at Hooli.", "I quit Hooli this morning.", "Hooli"),
        ("I live in York.", "I left York in the spring.", "York"),
    ],
)
def test_a_leaving_placed_in_a_year_or_a_quitting_still_ends(first, second, old):
    facts = facts_after(first, second)
    assert any(s == "superseded" and v == old for s, _, v in facts), facts
    assert not any(s == "active" and v == old for s, _, v in facts), facts


@pytest.mark.parametrize(
    "first,second,old,new",
    [
        (
            "My favourite food is sushi.",
            "Sushi isn't my favourite food anymore, it's ramen.",
            "sushi",
            "ramen",
        ),
        (
            "My favourite band is Blur.",
            "My favourite band isn't Blur any more; it's Pulp.",
            "Blur",
            "Pulp",
        ),
        (
            "My favourite colour is blue.",
            "My favourite colour is no longer blue, it's green now.",
            "blue",
            "green",
        ),
    ],
)
def test_it_is_now_names_the_successor_of_an_ended_value(first, second, old, new):
    facts = facts_after(first, second)
    assert any(s == "active" and v.lower() == new.lower() for s, _, v in facts), facts
    assert not any(s == "active" and v.lower() == old.lower() for s, _, v in facts), facts


def test_a_judgement_after_an_ended_state_is_no_value():
    facts = facts_after("I'm vegan.", "I'm not vegan anymore, it's too hard.")
    assert not any("hard" in v for _, _, v in facts), facts


@pytest.mark.parametrize(
    "first,second,old,new",
    [
        (
            "My job: accountant.",
            "Not an accountant anymore, I retrained as a carpenter.",
            "accountant",
            "carpenter",
        ),
        ("Mo is a banker.", "Mo requalified as a teacher last year.", "banker", "teacher"),
        (
            "My brother is a nurse.",
            "My brother qualified as a midwife in June.",
            "nurse",
            "midwife",
        ),
    ],
)
def test_a_done_qualifying_names_the_new_job(first, second, old, new):
    facts = facts_after(first, second)
    assert any(s == "active" and a == "job_title" and v == new for s, a, v in facts), facts
    assert not any(s == "active" and v == old for s, _, v in facts), facts


def test_qualifying_still_under_way_is_no_job_yet():
    facts = facts_after("I'm a banker.", "I'm retraining as a plumber.")
    assert ("active", "job_title", "banker") in facts, facts
    assert not any(v == "plumber" for _, _, v in facts), facts
