"""Relations named by a word and its preposition where the table names none, in phrasings
written apart from the ones the code was tried on:

- an adjective after "be" ("I'm frightened of wasps" -> be_frightened_of wasps, said "The
  user is frightened of wasps"), negated as any slot is, and many-valued; the adjective
  alone is no kind the speaker is ("is_a frightened" before); a preposition of an occasion
  ("late for", "ready for") names none;
- a verb the table reads with one preposition, with another ("I live with my parents",
  "we live near Whitby", "I work with horses"), which read nothing before.
"""

from __future__ import annotations

import pytest

from agentmem import Memory
from agentmem.facts.extraction import make_extractor


@pytest.fixture(scope="module")
def extract():
    return make_extractor("parse").extract


@pytest.mark.parametrize(
    "text,attribute,value,negated,sentence",
    [
        (
            "I'm frightened of wasps.",
            "be_frightened_of",
            "wasps",
            False,
            "The user is frightened of wasps",
        ),
        ("I'm no longer nervous about flying.", "be_nervous_about", "flying", True, None),
        ("I'm fond of old films.", "be_fond_of", "old films", False, None),
    ],
)
def test_an_adjective_and_its_preposition_name_a_slot(
    extract, text, attribute, value, negated, sentence
):
    facts = extract(text)
    found = {(f.attribute, f.value, f.negated) for f in facts}
    assert (attribute, value, negated) in found, found
    assert not [f for f in facts if f.attribute == "is_a"], found
    if sentence is not None:
        assert sentence in {f.text for f in facts}


@pytest.mark.parametrize("text", ["I'm late for the train.", "We're ready for the move."])
def test_an_occasion_names_no_slot(extract, text):
    assert not [f for f in extract(text) if f.attribute.startswith("be_")], extract(text)


def test_two_fears_both_hold_and_a_negation_ends_one(tmp_path):
    with Memory(home=str(tmp_path), embedding={"model": "hash"}) as mem:
        mem.add("I'm frightened of wasps.", "u1")
        mem.add("I'm frightened of deep water.", "u1")
        mem.add("I'm not frightened of wasps anymore.", "u1")
        active = {r.text for r in mem.list_memories("u1")}
        assert "I'm frightened of deep water." in active, active
        assert "I'm frightened of wasps." not in active, active


@pytest.mark.parametrize(
    "text,attribute,value,sentence",
    [
        ("I live with my grandparents.", "live_with", "grandparents", None),
        ("We live near Whitby.", "live_near", "Whitby", "The user lives near Whitby"),
        ("My sister works with rescue dogs.", "work_with", "rescue dogs", None),
    ],
)
def test_a_table_verb_with_another_preposition(extract, text, attribute, value, sentence):
    facts = extract(text)
    assert attribute in {f.attribute for f in facts} and value in {f.value for f in facts}, facts
    if sentence is not None:
        assert sentence in {f.text for f in facts}


def test_the_table_still_reads_its_own_pairs(extract):
    assert {(f.attribute, f.value) for f in extract("I live in Whitby.")} == {
        ("lives_in", "Whitby")
    }
