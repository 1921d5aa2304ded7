"""Statements of change through `Memory.add` (real SQLite, the bundled MiniLM): a verb of
ending, parting or disposing ends the value it names, whichever slot holds it; a switch
ends the old value and states the new one; a trip, a maybe, a negated change or someone
else's change ends nothing. Cases written apart from tests/changes_hand (the held-out
suite), and the new suite's invariants (nothing merged, no text lost) on both databases."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from agentmem import Memory

sys.path.insert(0, str(Path(__file__).parent / "changes_hand"))
from change_cases import replaces_each, said_in_turn  # noqa: E402
from changes_evaluate import load, run  # noqa: E402
from hand_suite import invariant_tests  # noqa: E402


@pytest.fixture(scope="module")
def mem(tmp_path_factory, minilm):
    with Memory(home=tmp_path_factory.mktemp("change"), embedder=minilm) as memory:
        yield memory


ENDED = [  # (first, second, the value that must end)
    (
        "I work at Umbrella.",
        "I handed in my resignation and walked away from Umbrella.",
        "umbrella",
    ),
    ("I live in Cardiff.", "We moved out of Cardiff in the autumn.", "cardiff"),
    ("I have a tortoise.", "We gave our tortoise to the zoo.", "tortoise"),
    ("I'm dating Priyanka.", "Priyanka and I have split up.", "priyanka"),
    ("I own a caravan.", "I've sold the caravan.", "caravan"),
    ("I have a ferret.", "We've rehomed our ferrets.", "ferret"),
    ("I play the bagpipes.", "I've given up the bagpipes.", "bagpipes"),
    ("Olga is married to Piotr.", "Olga divorced Piotr last winter.", "piotr"),
    ("My wife is Ines.", "Ines and I got divorced.", "ines"),
    ("I'm vegan.", "I stopped being vegan.", "vegan"),
    ("I work at Pfizer.", "I was let go from Pfizer last month.", "pfizer"),
]

SWITCHED = [  # (first, second, old value, new value)
    ("I live in Porto.", "We left Porto and moved to Braga.", "porto", "braga"),
    ("I work at Globex.", "I switched from Globex to Initrode.", "globex", "initrode"),
    ("I own a Vespa.", "I swapped my Vespa for a Lambretta.", "vespa", "lambretta"),
    ("Nadia is married to Piotr.", "Nadia left Piotr for Karol.", "piotr", "karol"),
    ("I use Firefox.", "I switched from Firefox to Brave.", "firefox", "brave"),
]

KEPT = [  # (first, second, the value that must stay current)
    ("I live in Rome.", "We left Rome for a fortnight in August.", "rome"),
    ("I work at Umbrella.", "I may resign from Umbrella.", "umbrella"),
    ("I work at Umbrella.", "I'll quit Umbrella if they cut my pay again.", "umbrella"),
    ("I have a tortoise.", "I would never sell my tortoise.", "tortoise"),
    ("I live in Cardiff.", "My cousin moved out of Cardiff.", "cardiff"),
    ("I own a caravan.", "I didn't sell the caravan in the end.", "caravan"),
    ("I work at Globex.", "I gave up sugar.", "globex"),
]


@pytest.mark.parametrize("first,second,gone", ENDED)
def test_an_ending_ends_the_value_it_names(mem, first, second, gone):
    now, before = said_in_turn(mem, "end", first, second)
    assert not any(gone in v.split() or gone == v for v in now), now
    assert any(gone in v for v in before), before


test_a_switch_ends_the_old_value_and_states_the_new = replaces_each(SWITCHED, "switch")


@pytest.mark.parametrize("first,second,kept", KEPT)
def test_no_change_keeps_the_value(mem, first, second, kept):
    now, _ = said_in_turn(mem, "kept", first, second)
    assert kept in now, now


def test_the_held_out_suite_covers_every_kind_of_change():
    items = load()
    assert len(items) >= 60
    kinds = {"job", "home", "partner", "pet", "diet", "device", "hobby", "possession"}
    assert kinds | {"nearmiss"} <= {i.category for i in items}
    assert len({(i.first, i.second) for i in items}) == len(items)


(
    test_changes_merge_nothing_and_lose_nothing_on_sqlite,
    test_changes_merge_nothing_and_lose_nothing_on_postgres,
) = invariant_tests(run)
