"""What one "has" is held only when it is a thing one can own (`extraction_holdable`): the
nearer of two sets of kinds decides, with no tuned threshold. This list of nouns is the one
the kinds were written against; the hand suites (tests/holdings_hand, tests/events_hand)
are scored apart from it. Two abstract nouns ("exam", "temperature") fall on the held side:
the share is asserted, not every noun."""

from __future__ import annotations

import pytest
from parse_reading import read

from agentmem.facts.extraction import parse
from agentmem.facts.extraction.holdable import holdable

pytestmark = pytest.mark.skipif(not parse.available(), reason="needs agentmem[parse]")

HELD = """car house sofa guitar piano tractor scooter caravan puppy parrot rabbit laptop
telescope drone passport cottage shed garden mansion ring subscription studio flat""".split()
EXPERIENCED = """fever migraine cough cold rash hangover fear worry doubt suspicion hunch
theory opinion dream plan chance appointment interview deadline party argument lesson shift
secret memory date crush exam temperature""".split()


def test_things_one_can_own_are_held():
    assert [n for n in HELD if not holdable(n)] == []


def test_most_things_one_experiences_are_not_held():
    held = [n for n in EXPERIENCED if holdable(n)]
    assert len(held) <= 3, held


def test_have_with_a_thing_experienced_states_no_possession():
    assert read("Bruno has a nasty cough.") == set()
    assert read("I have a hunch about this.") == set()
    assert ("Bruno", "owns", "tractor", False) in read("Bruno has a tractor.")
