"""A value said again in another construction is a restatement: it reinforces or keeps what
was stored and never supersedes or retracts it ("My dog is named Rolo" then "My dog's name
is Rolo"). The constructions: the possessive "X's name is", "is called", "goes by", "is
known as"; "I'm from X" / "X is where I'm from"; "I live in X" / "X is where I live"; "I
work at X" / "my employer is X". What must still change: another value, a negation, a
later text that changes one of an earlier note's facts."""

from __future__ import annotations

import tempfile

import pytest

from agentmem import Memory, Scope

Stored = tuple[set[str], set[str]]  # texts active, texts superseded


def stored_after(*texts: str) -> Stored:
    """The texts of the notes and facts active and superseded after `texts` are added in
    turn to one scope of a fresh home (hash embedder)."""
    with tempfile.TemporaryDirectory() as home:
        with Memory(home=home, embedding={"model": "hash"}) as mem:
            scope = Scope("u")
            for text in texts:
                mem.add(text, scope)
            return tuple(
                {r.text for r in mem.list_memories(scope, status=status)}
                for status in ("active", "superseded")
            )


@pytest.mark.parametrize(
    "first, second",
    [
        ("Our parrot is named Kiwi", "Our parrot's name is Kiwi"),
        ("My rabbit's name is Clover", "My rabbit is called Clover"),
        ("My eldest daughter is called Imogen", "My eldest daughter's name is Imogen"),
        ("My nephew is named Caspar", "My nephew goes by Caspar"),
        ("I'm originally from Limerick", "Limerick is where I'm originally from"),
        ("I live in Dundee", "Dundee is where I live"),
        ("I work for Plexicorp", "My employer is Plexicorp"),
        ("My employer is Zentrix", "I work at Zentrix"),
    ],
)
def test_a_restatement_in_another_construction_supersedes_nothing(first, second):
    active, superseded = stored_after(first, second)
    assert first in active or any(first in t for t in active), (active, superseded)
    assert not superseded, superseded


@pytest.mark.parametrize(
    "first, second",
    [
        ("I am called Tamsin", "My name is Petra"),  # another name
        ("I live in Dundee", "Perth is where I live now"),  # another place
        ("I work at Zentrix", "I don't work at Zentrix any more"),  # a negation
    ],
)
def test_another_value_or_a_negation_still_changes_it(first, second):
    active, superseded = stored_after(first, second)
    assert first in superseded, (active, superseded)


def test_a_note_one_of_whose_facts_changed_is_still_retired():
    note = "I teach at Fernhill as a chemistry teacher"
    later = "I left Fernhill; these days I teach at Oakmere as a chemistry teacher"
    active, superseded = stored_after(note, later)
    assert note in superseded, (active, superseded)
    assert later in active


def test_a_note_whose_facts_are_only_restated_stays():
    note = "My hamster is named Nibbles"
    later = "My hamster's name is Nibbles"
    active, superseded = stored_after(note, later)
    assert note in active and not superseded, (active, superseded)
