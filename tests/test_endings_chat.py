"""Changes of state typed as chat, through `Memory.add` (SQLite, hash embedder): a name
typed in lower case where English would put an article before a common noun is an
employer ("works at apple"), and an ending of it ends it; a bare kind after "went" or
"turned" is the subject's kind now, and a diet replaces the diet before; a report that
opens with a capitalised verb the tagger took for a name ("Quit my job", "Dropped keto",
"Cancelled Netflix") is the speaker's."""

from __future__ import annotations

import pytest
from change_cases import facts_after

LOWER_CASE_EMPLOYERS = [  # (first, second, employer)
    ("my brother works at apple", "my brother quit apple last year", "apple"),
    ("i work at shell", "left shell in march", "shell"),
    ("my wife works at chase", "my wife walked away from chase", "chase"),
]


@pytest.mark.parametrize("first,second,employer", LOWER_CASE_EMPLOYERS)
def test_a_lower_case_employer_is_held_and_ended(first, second, employer):
    facts = facts_after(first, second)
    assert ("superseded", "works_at", employer) in facts, facts


@pytest.mark.parametrize(
    "text",
    ["i work at home", "i work at night", "My brother works at apple."],
)
def test_a_bare_noun_of_place_or_time_or_a_capitalising_text_names_no_employer(text):
    assert not [f for f in facts_after(text) if f[1] == "works_at"]


DIETS = [  # (first, second, old diet, new diet)
    ("I'm vegetarian.", "Went vegan in January.", "vegetarian", "vegan"),
    (
        "My sister is a pescatarian.",
        "my sister went vegetarian last year",
        "pescatarian",
        "vegetarian",
    ),
    ("Tom is vegan.", "Tom turned vegetarian after a year.", "vegan", "vegetarian"),
]


@pytest.mark.parametrize("first,second,old,new", DIETS)
def test_a_kind_become_replaces_the_diet_before(first, second, old, new):
    facts = facts_after(first, second)
    assert ("active", "is_a", new) in facts, facts
    assert ("superseded", "is_a", old) in facts, facts


@pytest.mark.parametrize("text", ["I went quiet.", "We went crazy last night.", "I went home."])
def test_a_state_or_a_place_gone_to_is_no_kind(text):
    assert not [f for f in facts_after(text) if f[1] == "is_a"]


OPENING_VERBS = [  # (first, second, value ended)
    ("I smoke.", "Quit smoking last spring.", "smoking"),
    ("I do yoga.", "Dropped yoga last month.", "yoga"),
    ("I work at Halfords.", "Quit my job at Halfords last week.", "Halfords"),
]


@pytest.mark.parametrize("first,second,ended", OPENING_VERBS)
def test_a_report_opening_with_a_verb_read_as_a_name_is_the_speakers(first, second, ended):
    facts = facts_after(first, second)
    assert ended in {v for s, _, v in facts if s == "superseded"}, facts


def test_a_name_that_is_also_a_verb_stays_a_name():
    facts = facts_after("Mark works at Aldi.")
    assert ("active", "works_at", "Aldi") in facts, facts
