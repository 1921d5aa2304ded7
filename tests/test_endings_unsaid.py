"""Changes said without a verb of ending, a switch or "no longer", through `Memory.add`
(SQLite, hash embedder): a value said to hold now ("I'm at KPMG now", "these days ...")
replaces the subject's one other value of a slot a switch can change, never a possession,
a pursuit or a value added ("also", "too") or held this moment ("right now"); a thing said
to be past (over, behind me, a phase, done with, gone off, a habit kicked, a former tie, a
last shift, "haven't ... since" a point before the last few days) ends the stored value it
names, and a one-off ("the party is over", "done with work for today", "haven't been since
Monday") ends nothing."""

from __future__ import annotations

import pytest
from change_cases import facts_after

NOW = [  # (first, second, old value, new value)
    ("I work at Deloitte.", "I'm at KPMG now.", "Deloitte", "KPMG"),
    ("I bank with Barclays.", "These days I bank with Nationwide.", "Barclays", "Nationwide"),
    ("I use Firefox.", "I use Brave now.", "using Firefox", "using Brave"),
    (
        "I drink oat milk.",
        "I drink almond milk nowadays.",
        "drinking oat milk",
        "drinking almond milk",
    ),
    ("Kofi works at Asda.", "Kofi works at Morrisons these days.", "Asda", "Morrisons"),
]


@pytest.mark.parametrize("first,second,old,new", NOW)
def test_a_value_said_to_hold_now_replaces_the_one_before(first, second, old, new):
    facts = facts_after(first, second)
    assert ("superseded", old) in {(s, v) for s, _, v in facts}, facts
    assert ("active", new) in {(s, v) for s, _, v in facts}, facts
    assert ("active", old) not in {(s, v) for s, _, v in facts}, facts


ADDED_NOW = [  # (first, second, value kept)
    ("I have a dog.", "We have a cat now.", "dog"),
    ("I use Firefox.", "I also use Chrome now.", "using Firefox"),
    ("I play tennis.", "I play golf now.", "tennis"),
    ("I work at Deloitte.", "I'm at the hospital right now.", "Deloitte"),
    ("I use Firefox.", "I use Slack at work now too.", "using Firefox"),
]


@pytest.mark.parametrize("first,second,kept", ADDED_NOW)
def test_now_beside_an_addition_a_pursuit_or_a_moment_ends_nothing(first, second, kept):
    facts = facts_after(first, second)
    assert kept in {v for s, _, v in facts if s == "active"}, facts


PAST = [  # (first, second, value ended)
    ("I eat meat.", "Meat is behind me.", "eating meat"),
    ("I go swimming.", "Swimming was a phase.", "swimming"),
    ("I'm vegetarian.", "The vegetarian thing is over.", "vegetarian"),
    ("I drink energy drinks.", "I've gone off energy drinks.", "drinking energy drinks"),
    ("I drink cola.", "I'm done with cola.", "drinking cola"),
    ("I drink coffee.", "I kicked the coffee habit.", "drinking coffee"),
    ("I work at Accenture.", "My ex-employer Accenture called me today.", "Accenture"),
    ("I work at Greggs.", "Yesterday was my last shift at Greggs.", "Greggs"),
    ("I play squash.", "I haven't played squash since 2021.", "squash"),
    ("Ola plays chess.", "Ola hasn't played chess since her operation.", "chess"),
]


@pytest.mark.parametrize("first,second,ended", PAST)
def test_a_thing_said_to_be_past_ends_the_stored_value(first, second, ended):
    facts = facts_after(first, second)
    assert ended not in {v for s, _, v in facts if s == "active"}, facts
    assert ended in {v for s, _, v in facts if s == "superseded"}, facts


ONE_OFF = [  # (first, second, value kept)
    ("I go to the gym.", "I haven't been to the gym since Monday.", "gym"),
    ("I love parties.", "The party is over.", "parties"),
    ("I work at Deloitte.", "I'm done with work for today.", "Deloitte"),
    ("I drink milk.", "The milk went off.", "drinking milk"),
    ("I work at Greggs.", "Friday is my last shift before my holiday.", "Greggs"),
]


@pytest.mark.parametrize("first,second,kept", ONE_OFF)
def test_a_one_off_that_looks_like_an_ending_ends_nothing(first, second, kept):
    facts = facts_after(first, second)
    assert any(kept in v for s, _, v in facts if s == "active"), facts


FRAGMENTS = [  # (first, second, old value, new value)
    ("I shop at Aldi.", "lidl these days tbh", "Aldi", "Lidl"),
    ("I bank with Barclays.", "it's Monzo these days, so much easier", "Barclays", "Monzo"),
    ("We use Dropbox.", "pCloud now, dropbox got too pricey", "using Dropbox", "pCloud"),
]


@pytest.mark.parametrize("first,second,old,new", FRAGMENTS)
def test_a_name_said_to_hold_now_without_a_verb_is_a_switch_to_it(first, second, old, new):
    facts = facts_after(first, second)
    assert ("superseded", old) in {(s, v) for s, _, v in facts}, facts
    assert ("active", new) in {(s, v) for s, _, v in facts}, facts


NO_POST = [  # (first, second): a switch of tool or provider beside an employer or school
    ("I work at Chase.", "Switched over to Firefox last night."),
    ("I work at Deloitte.", "I migrated to Notion for my notes."),
    ("I study at Keele.", "Changed over to Octopus for the electric."),
    ("I work at Boots.", "Pizza now, then bed."),
]


@pytest.mark.parametrize("first,second", NO_POST)
def test_a_switch_of_tool_or_provider_never_ends_an_employer_or_a_school(first, second):
    facts = facts_after(first, second)
    assert not {v for s, _, v in facts if s == "superseded"}, facts


MOVED = [  # (first, second, old value, new value)
    ("Lena works at Monzo.", "Lena jumped ship to Revolut.", "Monzo", "Revolut"),
    ("I study at Porto University.", "I transferred to Coimbra University.", "Porto", "Coimbra"),
]


@pytest.mark.parametrize("first,second,old,new", MOVED)
def test_a_move_of_post_or_school_replaces_the_employer_or_school(first, second, old, new):
    facts = facts_after(first, second)
    assert any(s == "superseded" and old in v for s, _, v in facts), facts
    assert any(s == "active" and new in v for s, _, v in facts), facts


MEMBERSHIPS = [  # (first, second, kept or None, ended or None)
    (
        "I'm a member of the chess club.",
        "I also signed up for the running club.",
        "chess club",
        None,
    ),
    ("I'm in a choir.", "I joined a quiz team at the pub.", "choir", None),
    (
        "Our son is on the school council.",
        "Our son joined the debating society.",
        "school council",
        None,
    ),
    ("I'm a member of the Rotary Club.", "I resigned from the Rotary Club.", None, "Rotary Club"),
    ("I'm in a book club.", "I left the book club last month.", None, "book club"),
    ("I joined the chess club.", "I'm not in the chess club anymore.", None, "chess club"),
]


@pytest.mark.parametrize("first,second,kept,ended", MEMBERSHIPS)
def test_a_membership_is_held_beside_others_and_ends_when_left(first, second, kept, ended):
    facts = facts_after(first, second)
    if kept:
        assert ("active", "belong_to", kept) in facts, facts
    if ended:
        assert ("superseded", "belong_to", ended) in facts, facts
        assert ("active", "belong_to", ended) not in facts, facts
