"""Three classes of statement read as what they change, with phrasings written for this file
(apart from the probe that found them), through `Memory.add` (SQLite, hash embedder):

- a thing taken from its owner by someone else ("someone stole my scooter", "the finance
  company repossessed my car") is no longer owned (`extraction.losses.owner_of_taken`); an
  attempt, a fear, a near miss or an abstract thing taken ends nothing;
- a new count of one kind replaces the old count in a slot of many values ("3 kids" after
  "2 kids", `fact_values.recounted`); another kind stands beside it, and relations had in
  the plural ("two nephews") are never owned (`lexicon.names_a_person` by the lemma);
- "home" said bare as a copula's subject is the speaker's home ("Home is Dundee these days",
  `extraction.inversion`); an event that nearly happened ("I almost moved to Berlin") is no
  change (`extraction.parse.NEAR_MISSES`).
"""

from __future__ import annotations

import tempfile

import pytest

from agentmem import Memory


def _facts(*texts: str) -> list[tuple[str, str, str, bool]]:
    """(status, attribute, value, negated) of every fact after adding `texts` in order."""
    with tempfile.TemporaryDirectory() as home:
        with Memory(home=home, embedding={"model": "hash"}) as mem:
            for text in texts:
                mem.add(text, "u")
            return [
                (r.status, r.attribute, r.value, bool(r.metadata.get("negated")))
                for status in ("active", "superseded")
                for r in mem.list_memories("u", kind="fact", status=status)
            ]


def _held(facts, attribute: str, word: str) -> bool:
    """Whether an active positive fact of `attribute` holds a value with `word`."""
    return any(
        s == "active" and a == attribute and word in v.lower() and not n for s, a, v, n in facts
    )


@pytest.mark.parametrize(
    ("first", "second", "thing"),
    [
        ("I have a scooter.", "Someone stole my scooter on Friday.", "scooter"),
        ("We own a caravan.", "Our caravan was stolen over the bank holiday.", "caravan"),
        ("I have a car.", "The finance company repossessed my car.", "car"),
        ("I own a motorbike.", "My motorbike got written off last month.", "motorbike"),
    ],
)
def test_a_thing_taken_is_no_longer_owned(first, second, thing):
    facts = _facts(first, second)
    assert not _held(facts, "owns", thing), facts


@pytest.mark.parametrize(
    "second",
    [
        "Someone tried to steal my scooter.",
        "My scooter was almost stolen outside the gym.",
        "I'm worried my scooter will get stolen.",
        "My scooter wasn't stolen after all.",
        "Someone stole my brother's scooter.",
    ],
)
def test_a_taking_that_did_not_happen_to_it_leaves_the_thing_owned(second):
    facts = _facts("I have a scooter.", second)
    assert _held(facts, "owns", "scooter"), facts


def test_an_abstract_thing_taken_is_no_possession_ended():
    facts = _facts("Someone stole my idea for the app.")
    assert not [f for f in facts if f[1] == "owns"], facts


@pytest.mark.parametrize(
    ("first", "second", "old", "new"),
    [
        ("We've got 2 kids.", "We've got 3 kids now.", "2 kids", "3 kids"),
        ("I own three bikes.", "I own 4 bikes these days.", "three bikes", "4 bikes"),
        ("I have 2 daughters.", "I have 5 daughters.", "2 daughters", "5 daughters"),
        ("I've got two rabbits.", "I've got four rabbits now.", "two rabbits", "four rabbits"),
    ],
)
def test_a_new_count_of_a_kind_replaces_the_old(first, second, old, new):
    facts = _facts(first, second)
    current = {v for s, _, v, n in facts if s == "active" and not n}
    assert new in current and old not in current, facts
    assert any(s == "superseded" and v == old for s, _, v, _ in facts), facts


def test_a_count_of_another_kind_stands_beside():
    facts = _facts("I have two sons.", "I have three daughters.")
    current = {v for s, _, v, n in facts if s == "active" and not n}
    assert {"2 sons", "3 daughters"} <= current, facts


def test_one_count_in_digits_and_in_words_is_one_value():
    facts = _facts("I have two hamsters.", "I have 2 hamsters.")
    current = [v for s, a, v, n in facts if s == "active" and a == "has_pet" and not n]
    assert len(current) == 1 and "hamsters" in current[0], facts


def test_relations_had_in_the_plural_are_never_owned():
    facts = _facts("I have two nephews.", "I have three cousins.")
    assert not [f for f in facts if f[1] == "owns"], facts


@pytest.mark.parametrize(
    ("first", "second", "old", "new"),
    [
        ("I live in Perth.", "Home is Dundee these days.", "Perth", "Dundee"),
        ("Home is Glasgow.", "Home is Inverness now.", "Glasgow", "Inverness"),
    ],
)
def test_home_said_bare_is_the_speakers(first, second, old, new):
    facts = _facts(first, second)
    assert _held(facts, "lives_in", new.lower()), facts
    assert not _held(facts, "lives_in", old.lower()), facts


def test_home_in_a_saying_is_no_place():
    assert not [f for f in _facts("Home is where the heart is.") if f[1] == "lives_in"]


@pytest.mark.parametrize(
    ("first", "second", "kept"),
    [
        ("I live in Munich.", "I almost moved to Berlin last year.", ("lives_in", "munich")),
        ("I work at Siemens.", "I nearly quit Siemens in the summer.", ("works_at", "siemens")),
    ],
)
def test_what_nearly_happened_changes_nothing(first, second, kept):
    facts = _facts(first, second)
    assert _held(facts, *kept), facts
