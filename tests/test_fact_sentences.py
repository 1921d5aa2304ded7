"""Every stored fact reads as a plain English sentence: a slot named by what happened
("switched_to", "transferred_to") is said in the past, not conjugated as a present verb
("The user switcheds to Firefox"), in what the parse extractor (the default of
consolidation) reads and in `render` for slots of any verb; what "my X is Y" names of a
thing of the owner is the thing's value ("The user's billing address is ..."), of a person
or an animal its name."""

from __future__ import annotations

import pytest

from agentmem.facts.extraction import make_extractor
from agentmem.facts.extraction.base import render

SAID = [  # (text, a word the fact's sentence must hold, a form it must not)
    ("Switched over to Firefox last week.", "switched", "switcheds"),
    ("My wife jumped ship to Wells Fargo.", "transferred", "transferreds"),
]


@pytest.mark.parametrize("text,word,wrong", SAID)
def test_a_switch_is_stored_as_a_sentence_in_the_past(text, word, wrong):
    texts = [f.text for f in make_extractor("parse").extract(text)]
    assert any(word in t.split() for t in texts), texts
    assert not any(wrong in t for t in texts), texts


@pytest.mark.parametrize(
    "attribute,negated,sentence",
    [
        ("switched_to", False, "Ana switched to Brave"),
        ("switched_to", True, "Ana has not switched to Brave"),
        ("volunteer_at", False, "Ana volunteers at Brave"),
        ("teach_at", True, "Ana does not teach at Brave"),
        ("study_with", False, "Ana studies with Brave"),
        ("need_for", False, "Ana needs for Brave"),  # a base form ending in -ed
    ],
)
def test_a_slot_named_by_a_verb_is_said_with_that_verb(attribute, negated, sentence):
    assert render("Ana", attribute, "Brave", negated) == sentence


@pytest.mark.parametrize(
    "subject,negated,sentence",
    [
        ("user's postcode", False, "The user's postcode is LS6 2AB"),
        ("user's locker code", True, "The user's locker code is not LS6 2AB"),
        ("user's nephew", False, "The user's nephew's name is LS6 2AB"),
        ("user's hamster", False, "The user's hamster's name is LS6 2AB"),
    ],
)
def test_a_things_value_is_no_name_it_has(subject, negated, sentence):
    assert render(subject, "name", "LS6 2AB", negated) == sentence
