"""A couple's union said to have ended is a parting of its parties (`extraction_change`,
`UNIONS`), and a relation said by a complement the tagger took for a passive participle
("is married to") is read as the copula reads it (`extraction_copula.kind_of`)."""

from __future__ import annotations

import pytest
from parse_reading import read

from agentmem.facts.extraction import parse

pytestmark = pytest.mark.skipif(not parse.available(), reason="needs agentmem[parse]")


@pytest.mark.parametrize(
    "text, fact",
    [
        ("Ottilie and I ended our relationship.", ("user", "spouse", "Ottilie", True)),
        ("Me and Rahul called off the engagement.", ("user", "spouse", "Rahul", True)),
    ],
)
def test_an_ended_union_parts_its_parties(text, fact):
    assert fact in {r[:4] for r in read(text)}


@pytest.mark.parametrize(
    "text",
    ["We ended the meeting at noon.", "Ottilie and I ended the call.", "We called off the hike."],
)
def test_other_endings_part_no_one(text):
    assert not [r for r in read(text) if r[1] == "spouse"]


def test_a_relation_after_a_demoted_copula_is_read():
    facts = {r[:4] for r in read("Hana is married to Kaito.")} | {
        r[:4] for r in read("Ilse is engaged to Bram.")
    }
    assert {("Hana", "spouse", "Kaito", False), ("Ilse", "spouse", "Bram", False)} <= facts
