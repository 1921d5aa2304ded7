"""Negation scope and verbs of ending in the parse extractor: "not" on an auxiliary negates
the clause; "any more" in two words is "anymore"; a copula the tagger made an auxiliary of
its complement ("I'm no longer vegetarian") is still read as a copula; a phrasal verb of
ending and a bare gerund under one retract the activity. Phrasings written for this file."""

from __future__ import annotations

import pytest
from parse_reading import read, reads_each

from agentmem.facts.extraction import parse

pytestmark = pytest.mark.skipif(not parse.available(), reason="needs agentmem[parse]")

test_endings_and_negations_are_read = reads_each(
    [
        ("I'm not pescatarian any more", ("user", "is_a", "pescatarian", True)),
        ("Kalle is no longer vegetarian", ("Kalle", "is_a", "vegetarian", True)),
        ("honestly i'm not vegan", ("user", "is_a", "vegan", True)),
        ("I've given up rowing", ("user", "does", "rowing", True)),
        ("I stopped knitting last winter", ("user", "does", "knitting", True)),
        ("I gave up my place at Unilever", ("user", "works_at", "Unilever", True)),
    ]
)


@pytest.mark.parametrize("text", ["I'm tired today", "I am running late", "I was vegan"])
def test_states_and_past_states_are_no_kinds(text):
    assert not {f for f in read(text) if f[1] == "is_a" and not f[3]}


def test_a_negation_elsewhere_does_not_negate_the_clause():
    assert ("user", "is_a", "vegan", False) in read("I'm vegan, not vegetarian")
