"""Pursuits taken up and habits measured, read by the parse extractor (the default of
consolidation), in phrasings written apart from the ones the code was tried on:

- a phrasal verb of taking to a pursuit ("pick up", "get into") names it by an -ing form;
  with a noun it says something else (an errand, an admission, an illness);
- "take up" with its pursuit parsed as a complement;
- an amount written with digits is the measure of a habit ("run 5k"), not a value lost;
- a proper noun before a verb of naming is no name it gives ("Every Sunday I call my mum");
- the number a person turned is their age ("my nephew turned 7").
"""

from __future__ import annotations

import pytest

from agentmem.facts.extraction import make_extractor


@pytest.fixture(scope="module")
def read():
    extractor = make_extractor("parse")
    return lambda text: {
        (f.subject, f.attribute, f.value, f.negated) for f in extractor.extract(text)
    }


TAKEN = [  # (text, subject, activity)
    ("Grandpa picked up woodturning when he retired.", "user's grandpa", "woodturning"),
    ("Honestly I've been getting into bouldering lately.", "user", "bouldering"),
    ("Lena got into rowing at uni.", "Lena", "rowing"),
    ("Took up fencing in January.", "user", "fencing"),
    ("My partner took up baking during lockdown.", "user's partner", "baking"),
]


@pytest.mark.parametrize("text,subject,activity", TAKEN)
def test_a_pursuit_taken_up_is_what_its_subject_does(read, text, subject, activity):
    assert (subject, "does", activity, False) in read(text)


NOT_PURSUITS = [
    "Could you pick up some bread later?",
    "My cousin got into Cambridge.",
    "We picked up Dan from the station.",
    "He got into trouble at school.",
    "I never got into jogging.",
    "I haven't picked up painting yet.",
]


@pytest.mark.parametrize("text", NOT_PURSUITS)
def test_other_objects_and_negations_state_no_pursuit(read, text):
    assert not [f for f in read(text) if f[1] == "does" and not f[3]], read(text)


@pytest.mark.parametrize(
    "text,subject,activity",
    [
        ("I run 10k most Sundays.", "user", "running 10k"),
        ("Omar rows 5k before work.", "Omar", "rowing 5k"),
    ],
)
def test_an_amount_in_digits_measures_the_habit(read, text, subject, activity):
    assert (subject, "does", activity, False) in read(text)


@pytest.mark.parametrize(
    "text", ["Every Thursday I phone my nan.", "Most Fridays I call my brother."]
)
def test_a_day_before_a_verb_of_naming_is_no_name(read, text):
    assert not [f for f in read(text) if f[1] == "name"], read(text)


def test_a_name_after_a_verb_of_naming_is_still_given(read):
    assert ("user's brother", "name", "Pip", False) in read("We all call my brother Pip.")


def test_a_bare_number_measures_no_habit(read):
    assert not [f for f in read("Our cat turns 9 next week.") if f[1] == "does"]


@pytest.mark.parametrize(
    "text,subject,age",
    [
        ("My niece turned 12 on Saturday.", "user's niece", "12"),
        ("Ravi turned 50 last month.", "Ravi", "50"),
        ("I just turned 33.", "user", "33"),
    ],
)
def test_the_number_a_person_turned_is_their_age(read, text, subject, age):
    assert (subject, "age", age, False) in read(text)


def test_a_number_a_thing_turned_is_no_age(read):
    assert not [f for f in read("The lorry turned 2 corners.") if f[1] == "age"]


@pytest.mark.parametrize(
    "text",
    [
        "My nephew got into medical school.",
        "We got into town at six.",
        "They got into debt after the wedding.",
        "Jo got into the semi-finals.",
        "I picked up the bill at dinner.",
        "Can you pick up the washing on your way?",
        "I picked up the dry cleaning.",
    ],
)
def test_what_else_is_got_into_or_picked_up_is_no_pursuit(read, text):
    assert not [f for f in read(text) if f[1] == "does" and not f[3]], read(text)
