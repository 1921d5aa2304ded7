"""Readings of coordinated and elliptical clauses by the parse extractor: a verb joined to
another shares its subject even where the tagger took it for a noun; subjects joined by
"and" each get the clause's fact; being "at" an organisation is working there (not when a
date bounds the stay); a language named by its adjective is what one is learning; a verb
of beginning states the fact of the gerund it governs ("started working at X"); a rule
value never ends on a joining word. Phrasings written for this file, apart from the suites."""

from __future__ import annotations

import pytest
from parse_reading import read, reads_each

from agentmem.facts.extraction import RuleExtractor, parse

pytestmark = pytest.mark.skipif(not parse.available(), reason="needs agentmem[parse]")

test_coordinated_clauses_are_read = reads_each(
    [
        ("I live in Arbroath and work at Halliburton", ("user", "works_at", "Halliburton", False)),
        ("I live in Arbroath and work at Halliburton", ("user", "lives_in", "Arbroath", False)),
        ("My cousin and I both live in Tromso", ("user", "lives_in", "Tromso", False)),
        ("My cousin and I both live in Tromso", ("user's cousin", "lives_in", "Tromso", False)),
        ("Halvard and I work at Maersk", ("Halvard", "works_at", "Maersk", False)),
        ("Halvard and I work at Maersk", ("user", "works_at", "Maersk", False)),
        ("Nowadays I'm at Microsoft", ("user", "works_at", "Microsoft", False)),
        ("I was at Shell for years, now I'm at Google", ("user", "works_at", "Google", False)),
        ("i've started learning portuguese", ("user", "does", "learning portuguese", False)),
        ("i'm learning korean these days", ("user", "does", "learning korean", False)),
        ("Signe started working at Ericsson", ("Signe", "works_at", "Ericsson", False)),
    ]
)


@pytest.mark.parametrize(
    "text", ["I'm at Wimbledon this afternoon", "I'm at Accenture today for a workshop"]
)
def test_a_dated_stay_is_no_employer(text):
    assert not {f for f in read(text) if f[1] == "works_at"}


def test_a_clause_with_its_own_subject_keeps_it():
    assert ("user", "lives_in", "Tromso", False) not in read("Ilse visited me and lives in Tromso")


@pytest.mark.parametrize(
    "text, value",
    [
        ("I left Vodafone and went freelance", "Vodafone"),
        ("I left Marks and Spencer", "Marks and Spencer"),
    ],
)
def test_a_rule_value_never_ends_on_a_joining_word(text, value):
    values = {f.value for f in RuleExtractor().extract(text) if f.attribute == "works_at"}
    assert values == {value}


@pytest.mark.parametrize("text", ["mine's named Pickles", "Mine is called Dorrit, she's a spaniel"])
def test_a_possessive_pronoun_is_a_thing_not_the_speaker(text):
    assert not {f for f in read(text) if f[0] == "user" and f[1] == "name"}


def test_as_well_is_no_role():
    facts = RuleExtractor().extract("I'm at Vestas as well")
    assert not [f for f in facts if f.attribute == "job_title"]


test_complements_and_relative_clauses_are_read = reads_each(
    [
        ("my children are Wren and Ottilie", ("user", "has_child", "Ottilie", False)),
        ("Bertil is a welder who lives in Kiruna", ("Bertil", "lives_in", "Kiruna", False)),
        ("I'm a pharmacist in Kiruna", ("user", "job_title", "pharmacist", False)),
    ]
)
