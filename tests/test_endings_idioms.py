"""Endings said as idioms and switches with the old value unsaid, through `Memory.add`
(SQLite, hash embedder): a fixed-object idiom of leaving ends what its preposition names
(a notice with none ends the employer); phrasal verbs of leaving a post or a course end
what they name; "switched over to Y", "migrated to Y", "jumped ship to Y" replace the
subject's stored value of a slot a switch can change, never a home (a switch to a place is
the new home); chat's dropped "I" on a clause of ending hung on a subjectless main clause
or on a bare-form past is the speaker's."""

from __future__ import annotations

import pytest
from change_cases import facts_after

ENDED_BY_IDIOM = [  # (first, second, slot, value ended)
    ("I work at Aldi.", "I gave notice at Aldi last month.", "works_at", "Aldi"),
    ("Jo works at Boots.", "Jo threw in the towel at Boots.", "works_at", "Boots"),
    ("I work at Lidl.", "I called it quits at Lidl.", "works_at", "Lidl"),
    ("Ben works at Argos.", "Ben handed in his resignation.", "works_at", "Argos"),
    ("I work for the council.", "I stepped down from the council.", "works_at", "council"),
    ("I study at Keele.", "I dropped out of Keele.", "study_at", "Keele"),
    ("Sam works at Greggs.", "Sam packed in his job at Greggs.", "works_at", "Greggs"),
    ("I work at Tesco.", "quit tesco yesterday", "works_at", "Tesco"),
    (
        "I work at Halfords.",
        "Walked away from Halfords in May, been at Kwik Fit since.",
        "works_at",
        "Halfords",
    ),
    ("I work at Currys.", "Put in my notice at Currys and left.", "works_at", "Currys"),
]


@pytest.mark.parametrize("first,second,slot,value", ENDED_BY_IDIOM)
def test_an_idiom_of_leaving_ends_what_it_names(first, second, slot, value):
    facts = facts_after(first, second)
    assert ("superseded", slot, value) in facts, facts
    assert ("active", slot, value) not in facts, facts


SWITCHED = [  # (first, second, old value, new value)
    ("I use Firefox.", "I switched over to Brave.", "using Firefox", "Brave"),
    ("Our team uses Jira.", "Our team migrated to Linear.", "using Jira", "Linear"),
    ("Lena works at Monzo.", "Lena jumped ship to Revolut.", "Monzo", "Revolut"),
]


@pytest.mark.parametrize("first,second,old,new", SWITCHED)
def test_a_switch_with_the_old_value_unsaid_replaces_the_stored_one(first, second, old, new):
    facts = facts_after(first, second)
    assert ("superseded", old) in {(s, v) for s, _, v in facts}, facts
    assert ("active", new) in {(s, v) for s, _, v in facts}, facts


def test_a_switch_never_ends_a_home_and_a_switch_to_a_place_is_the_new_home():
    kept = facts_after("I live in Hull.", "I switched over to Brave.")
    assert ("active", "lives_in", "Hull") in kept, kept
    moved = facts_after("I live in Hull.", "I transferred to Leeds.")
    assert {("active", "lives_in", "Leeds"), ("superseded", "lives_in", "Hull")} <= moved


ONE_OFF = [  # (first, second): no ending
    ("I work at Lidl.", "I called it a day at the pub and went home."),
    ("I work at Aldi.", "I handed in my timesheet at Aldi."),
    ("I work at Boots.", "Left Boots early today, felt ill."),
    ("I work at Aldi.", "I gave my landlord notice."),
    ("I work at Aldi.", "I gave notice to the landlord."),
]


@pytest.mark.parametrize("first,second", ONE_OFF)
def test_a_one_off_that_looks_like_an_ending_ends_nothing(first, second):
    facts = facts_after(first, second)
    assert not [f for f in facts if f[0] == "superseded"], facts


SWITCHES_TO_A_COMMON_THING = [  # (first, second): a change of habit beside a named thing
    ("I work at Chase.", "I switched to oat milk last month."),
    ("I use Verizon.", "I switched to decaf."),
    ("My brother works for Deloitte.", "My brother switched to a standing desk."),
    ("I go to Leeds University.", "I switched to a vegetarian diet."),
    ("i play in a band called the rollers", "switched to decaf coffee"),
]


@pytest.mark.parametrize("first,second", SWITCHES_TO_A_COMMON_THING)
def test_a_switch_to_a_common_thing_replaces_no_named_one(first, second):
    facts = facts_after(first, second)
    assert not [f for f in facts if f[0] == "superseded"], facts


def test_a_lower_case_switch_to_a_name_the_lexicon_does_not_know_replaces():
    facts = facts_after("i use verizon", "switched over to tmobile last week")
    assert [f for f in facts if f[0] == "superseded"], facts
