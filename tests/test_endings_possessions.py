"""Changes of state that end or replace a pet, a possession, a diet or a habit, through
`Memory.add` (real SQLite, the bundled MiniLM) and the parse extractor: a pet that died or
was given up (also under "had to"), a thing sold, traded in or swapped, a habit given up,
said to have been a past habit ("used to"), or no longer kept up, a service cancelled, a
diet replaced by another; and the near misses that end nothing. Phrased apart from
tests/changes_hand and tests/conflicts_hand (the dev suites) and from the extractor's
tables."""

from __future__ import annotations

import pytest
from change_cases import replaces_each, said_in_turn
from parse_reading import read, reads_each

from agentmem import Memory
from agentmem.facts.extraction import parse

pytestmark = pytest.mark.skipif(not parse.available(), reason="needs agentmem[parse]")


@pytest.fixture(scope="module")
def mem(tmp_path_factory, minilm):
    with Memory(home=tmp_path_factory.mktemp("endings"), embedder=minilm) as memory:
        yield memory


test_endings_are_read = reads_each(
    [
        ("Greta doesn't keep bees any more.", ("Greta", "owns", "bees", True)),
        ("I no longer knit.", ("user", "does", "knitting", True)),
        ("We've got a kayak.", ("user", "owns", "kayak", False)),
        ("Mateo gave up gambling.", ("Mateo", "does", "gambling", True)),
        ("Priya is on the Atkins diet.", ("Priya", "is_a", "atkins", False)),
        ("Night owl here, obviously.", ("user", "is_a", "night owl", False)),
        ("My cat Tofu passed away.", ("user", "pet_name", "Tofu", True)),
        ("Dario switched from cycling to rowing.", ("Dario", "does", "rowing", False)),
    ]
)


@pytest.mark.parametrize(
    "text",
    [
        "My cat Tofu passed away.",  # the name ends; it is not also stated as held
        "My budgie died on Friday.",
    ],
)
def test_a_death_states_no_pet_as_held(text):
    assert not any(not negated for _, a, _, negated in read(text) if a in ("has_pet", "pet_name"))


@pytest.mark.parametrize("text", ["I'm on a diet.", "Over here.", "I have to sell my car."])
def test_no_kind_and_no_ending_without_one_named(text):
    assert not any(r[3] or r[1] == "is_a" for r in read(text)), read(text)


ENDED = [  # (first, second, the value that must end)
    ("I keep hens.", "We don't keep hens anymore.", "hen"),
    ("I knit.", "I no longer knit.", "knitting"),
    ("I have a parrot.", "We had to rehome our parrot last winter.", "parrot"),
    ("I have a gecko named Ziggy.", "Ziggy, our gecko, died on Sunday.", "ziggy"),
    ("I own a cottage in Cornwall.", "We sold the cottage in Cornwall.", "cottage"),
    ("I bake bread on Saturdays.", "I used to bake bread on Saturdays.", "bread"),
    ("I use Netflix.", "We cancelled our Netflix subscription.", "netflix"),
    ("I have a budgie.", "My budgie died on Friday.", "budgie"),
    ("I have a cat named Tofu.", "We had to give Tofu away.", "cat"),
]

REPLACED = [  # (first, second, old value, new value)
    ("I drive a Corolla.", "I traded in my Corolla for a Mazda.", "corolla", "mazda"),
    ("I drive a Clio.", "I sold the Clio and bought a Tesla.", "clio", "tesla"),
    ("I'm vegetarian.", "I switched from vegetarian to strictly vegan.", "vegetarian", "vegan"),
    ("I'm pescatarian.", "Nowadays I'm a vegetarian.", "pescatarian", "vegetarian"),
    ("I'm on the Atkins diet.", "I gave up Atkins and went vegan.", "atkins", "vegan"),
]


def test_the_same_kind_said_as_chat_restates_it(mem):
    now, _ = said_in_turn(mem, "restated", "I'm a pescatarian.", "Pescatarian here, as it happens.")
    assert now == {"pescatarian"}


KEPT = [  # (first, second, the value that must stay current)
    ("I have a gecko named Ziggy.", "My neighbour's gecko died.", "gecko"),
    ("I drive a Clio.", "I had to sell my old bike.", "clio"),
    ("I play squash.", "I used to play rugby.", "squash"),
    ("I use Netflix.", "I cancelled my dentist appointment.", "netflix"),
    ("I'm vegetarian.", "I'm also gluten-free.", "vegetarian"),
    ("I keep hens.", "I don't keep them in the house.", "hen"),
    ("I'm vegetarian.", "I'm a vegan activist.", "vegetarian"),  # an activist, not a diet
]


@pytest.mark.parametrize("first,second,gone", ENDED)
def test_an_ending_ends_the_pet_thing_or_habit(mem, first, second, gone):
    now, before = said_in_turn(mem, "ended", first, second)
    assert not any(gone in v for v in now), now
    assert any(gone in v for v in before), before


test_a_replacement_ends_the_old_and_states_the_new = replaces_each(REPLACED, "replaced")


@pytest.mark.parametrize("first,second,kept", KEPT)
def test_what_is_no_ending_keeps_the_value(mem, first, second, kept):
    now, _ = said_in_turn(mem, "kept", first, second)
    assert any(kept in v for v in now), now


def test_a_possession_bought_alone_replaces_nothing():
    assert not any(r[3] for r in read("I bought a Tesla."))
