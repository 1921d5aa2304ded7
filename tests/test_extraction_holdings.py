"""Holdings read from the parse (`extraction_holdings`): a possession, a partner, a relation
named by a verb and its preposition, a pursuit stated by its verb alone; the rule rows
deferring a retraction whose clause carries an adjunct they cannot judge; and an ending
that finds what it ends earlier in the same `add_many` batch. Phrasings written apart from
tests/holdings_hand (the held-out suite) and from the extractor's tables."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from parse_reading import read, reads_each

from agentmem import Memory, Scope
from agentmem.facts.extraction import parse
from agentmem.facts.extraction.rules import RuleExtractor
from agentmem.facts.vocabulary import is_multi_valued

sys.path.insert(0, str(Path(__file__).parent / "conflicts_hand"))
from conflicts_evaluate import values  # noqa: E402

pytestmark = pytest.mark.skipif(not parse.available(), reason="needs agentmem[parse]")

test_holdings_are_read = reads_each(
    [
        ("Yevgenia has a greenhouse.", ("Yevgenia", "owns", "greenhouse", False)),
        ("We've got a tandem bicycle.", ("user", "owns", "tandem bicycle", False)),
        ("I keep an old Land Rover.", ("user", "owns", "old Land Rover", False)),
        ("Ulrich is seeing Marit.", ("Ulrich", "dating", "Marit", False)),
        ("I'm dating Esperanza.", ("user", "dating", "Esperanza", False)),
        ("I sing with the Bach Choir.", ("user", "sing_with", "Bach Choir", False)),
        ("I swim.", ("user", "does", "swimming", False)),
    ]
)


@pytest.mark.parametrize(
    "text",
    [
        "I have a dentist appointment on Friday.",  # an event one has at a time
        "I see Marit at the bus stop.",  # perceiving, not a relationship
        "I have no idea.",
        "I promise.",
        "I'm going to Ghent next Tuesday.",  # a plan, not a relation that holds
    ],
)
def test_what_is_no_holding_states_none(text):
    read_ = read(text)
    assert not {r for r in read_ if r[1] in ("owns", "spouse") or r[1].endswith(("_to", "_at"))}


def test_a_possession_is_not_also_a_pastime():
    assert read("I rent a cottage.") == {("user", "owns", "cottage", False)}


def test_a_slot_named_by_a_verb_holds_many_values():
    assert is_multi_valued("sing_with") and is_multi_valued("subscribe_to")
    assert not is_multi_valued("lives_in") and not is_multi_valued("favorite_color")


def test_the_rules_defer_a_departure_they_cannot_judge():
    rules = RuleExtractor()
    assert rules.extract("I left Hooli for a fortnight.") == []
    assert rules.extract("I left Hooli at noon.") == []
    assert rules.extract("I left Hooli.")  # a plain leaving is still read


@pytest.fixture(scope="module")
def mem(tmp_path_factory, minilm):
    with Memory(home=tmp_path_factory.mktemp("holdings"), embedder=minilm) as memory:
        yield memory


@pytest.mark.parametrize("batched", [False, True])
def test_an_ending_ends_a_holding_also_within_one_batch(mem, batched):
    texts = ["We have a rowing boat and a tandem.", "We sold the rowing boat in March."]
    scope = Scope(f"batch-{batched}")
    if batched:
        mem.add_many(texts, scope)
    else:
        for text in texts:
            mem.add(text, scope)
    now, before = values(mem, scope)
    assert "tandem" in now and not any("rowing boat" in v for v in now), now
    assert any("rowing boat" in v for v in before), before


def test_a_trip_ends_no_home(mem):
    scope = Scope("trip")
    mem.add_many(["I live in Tartu.", "I left Tartu for the weekend."], scope)
    assert "tartu" in values(mem, scope)[0]
