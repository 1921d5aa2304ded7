"""Values of an owner's things and people, and the negations that end them, in phrasings
written apart from the ones the code was tried on:

- chat's clipped nouns of kin ("my gf", "the hubby") are the nouns they clip;
- one word joined to the speaker ("me and priya") is a person in a text with no capitals;
- an abbreviation a possessive owns ("my GP", "our CFO") is a role, not a name;
- a time of the present ("now", "these days") is no part of a value, and "my old X" states
  no value the owner holds;
- "live at" an address is where one lives;
- a thing of its owner that "changed to" a value holds that value now ("my billing address
  has changed to ..."); a person who changes to something takes it up;
- a pet or a thing lost is named without its owner ("my uncle's tortoise" -> tortoise), and
  chat's interjections end no value ("cancelled my spotify lol");
- a negation in fewer words retracts the value it covers ("deleted my instagram" of "an
  Instagram account"); one in more words leaves the broader value ("I don't like dark
  chocolate" beside "I like chocolate").
"""

from __future__ import annotations

import pytest

from agentmem import Memory


@pytest.mark.parametrize(
    "text,fact",
    [
        ("my gf works at Boots", ("user's girlfriend", "works_at", "Boots", False)),
        ("My hubby is Dev.", ("user", "spouse", "Dev", False)),
        ("me and priya broke up last month", ("user", "spouse", "Priya", True)),
        ("Ms Okoye is my GP.", ("user's gp", "name", "Ms Okoye", False)),
        ("Our CFO is Lena Brandt.", ("user's cfo", "name", "Lena Brandt", False)),
        ("We live at 7 Harbour Row.", ("user", "lives_in", "7 Harbour Row", False)),
        ("My uncle's tortoise died in the spring.", ("user's uncle", "has_pet", "tortoise", True)),
    ],
)
def test_reads(read_facts, text, fact):
    assert fact in read_facts(text), read_facts(text)


def test_an_interjection_is_no_value(read_facts):
    values = {v for _, _, v, _ in read_facts("cancelled my spotify lol")}
    assert "Spotify" in values and not [v for v in values if "lol" in v.lower()], values


def test_a_pronoun_joined_to_the_speaker_is_no_name(read_facts):
    assert not [f for f in read_facts("me and him broke up") if f[2].lower() == "him"]


def test_a_time_of_the_present_is_no_part_of_the_value(read_facts):
    values = {v for _, a, v, _ in read_facts("My work email is now sam@example.org") if a != "name"}
    assert values == {"sam@example.org"}, values


def test_an_old_value_is_not_held(read_facts):
    assert not [f for f in read_facts("My old landline was 0113 496 0000.") if not f[3]]


@pytest.mark.parametrize(
    "text,subject,value",
    [
        (
            "My billing address has changed to 5 Quay Street.",
            "user's billing address",
            "5 Quay Street",
        ),
        ("our wifi password changed to bluefinch42", "user's wifi password", "bluefinch42"),
        ("My home number has changed to 0161 496 0101.", "user's home number", "0161 496 0101"),
    ],
)
def test_a_thing_that_changed_to_a_value_holds_it(read_facts, text, subject, value):
    assert (subject, "name", value, False) in read_facts(text), read_facts(text)


def test_a_person_who_changes_to_something_takes_it_up(read_facts):
    facts = read_facts("My cousin changed to Chrome.")
    assert ("user's cousin", "switched_to", "Chrome", False) in facts, facts


def _active(mem: Memory, user: str) -> set[str]:
    return {r.text for r in mem.list_memories(user)}


def test_negations_in_fewer_and_more_words(tmp_path):
    with Memory(home=str(tmp_path), embedding={"model": "hash"}) as mem:
        mem.add("I have an Instagram account.", "u1")
        mem.add("deleted my instagram", "u1")
        assert "I have an Instagram account." not in _active(mem, "u1")
        mem.add("I like chocolate.", "u2")
        mem.add("I don't like dark chocolate.", "u2")
        assert "I like chocolate." in _active(mem, "u2")


def test_a_changed_address_supersedes_the_old_one(tmp_path):
    with Memory(home=str(tmp_path), embedding={"model": "hash"}) as mem:
        mem.add("My billing address is 40 Mill Road.", "u1")
        mem.add("My billing address has changed to 5 Quay Street.", "u1")
        active = _active(mem, "u1")
        assert "My billing address is 40 Mill Road." not in active, active
        values = {r.value for r in mem.list_memories("u1") if r.kind == "fact"}
        assert "40 Mill Road" not in values and "5 Quay Street" in values, values
