"""A name alone that dies ("Shelby passed away"): the text does not say what the name is, so
it ends the speaker's pet of that name where one is stored or stated earlier in the same
`add_many` (`facts.endings.stands`), and
states no fact where none is (the name may be a person's); the text is kept either way.
Phrasings written for this file, through `Memory.add` (SQLite, hash embedder)."""

from __future__ import annotations

import tempfile

import pytest

from agentmem import Memory


def _records(*texts: str) -> list:
    with tempfile.TemporaryDirectory() as home:
        with Memory(home=home, embedding={"model": "hash"}) as mem:
            for text in texts:
                mem.add(text, "u")
            return [
                (r.kind, r.status, r.attribute, r.value, bool(r.metadata.get("negated")), r.text)
                for status in ("active", "superseded")
                for r in mem.list_memories("u", status=status)
            ]


def _current_pets(records) -> set[str]:
    return {
        v
        for k, s, a, v, n, _ in records
        if k == "fact" and s == "active" and a in ("has_pet", "pet_name") and not n
    }


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("I've got a tortoise named Shelby.", "Shelby passed away over the weekend."),
        ("We have a guinea pig called Nibbles.", "Nibbles died on Sunday morning."),
        ("Our dog is called Bramble.", "Sadly Bramble died in the spring."),
    ],
)
def test_a_pet_that_dies_by_its_name_alone_is_no_longer_had(first, second):
    records = _records(first, second)
    assert _current_pets(records) == set(), records


def test_another_name_that_dies_leaves_the_pet():
    records = _records("I have a parrot called Kiwi.", "Mango died last night.")
    assert "Kiwi (parrot)" in _current_pets(records), records


def test_a_name_with_no_pet_stored_states_nothing_and_keeps_the_text():
    records = _records("Rosa passed away in June.")
    assert not [r for r in records if r[0] == "fact"], records
    assert any(r[5] == "Rosa passed away in June." and r[1] == "active" for r in records)


def test_in_one_batch_the_pet_named_earlier_is_the_one_that_dies():
    with tempfile.TemporaryDirectory() as home:
        with Memory(home=home, embedding={"model": "hash"}) as mem:
            mem.add_many(
                ["We adopted a ferret called Bandit.", "Bandit died in May.", "Ines died."], "u"
            )
            facts = mem.list_memories("u", kind="fact", status="active")
            texts = [r.text for r in mem.list_memories("u", status="active")]
    assert not [r for r in facts if r.value.startswith("Ines")], facts
    assert not [r for r in facts if "ferret" in r.value and not r.metadata.get("negated")], facts
    assert "Ines died." in texts
