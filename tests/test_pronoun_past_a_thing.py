"""A pronoun of a person points back past things: a name with an article ("drives a Fiat",
"the Fiat") is a thing's, no antecedent of "she" (`subjects.antecedent`), so a text read
after its speaker's previous one ("My mum drives a Fiat." / "Mum sold the Fiat, she's got a
Kia now") keeps what its pronoun says; and an ending moved into the slot of the fact it ends
is worded for that slot (`facts.endings.reslot`). Phrasings written for this file, through
`Memory.add` (SQLite, hash embedder)."""

from __future__ import annotations

import tempfile

import pytest

from agentmem import Memory

CASES = [  # (first, second, old, new)
    (
        "My mum drives a Renault.",
        "Mum sold the Renault, she's got a Skoda now.",
        "Renault",
        "Skoda",
    ),
    ("My dad drives a Saab.", "Dad sold the Saab, he's got a Lexus now.", "Saab", "Lexus"),
    ("My mum drives a Fiat.", "Mum sold the Fiat, she's got a Kia now.", "Fiat", "Kia"),
    pytest.param(
        "My gran drives a Nissan.",
        "Gran got rid of the Nissan, she's got a Honda now.",
        "Nissan",
        "Honda",
        marks=pytest.mark.xfail(
            strict=True,
            reason="open: read after the previous text, 'got rid of' is parsed as no ending "
            "here, and a car had 'now' is added beside the old one, not switched",
        ),
    ),
    (
        "My brother rides a Ducati.",
        "My brother sold the Ducati and he's got a Vespa now.",
        "Ducati",
        "Vespa",
    ),
]


def _facts(first: str, second: str) -> list:
    with tempfile.TemporaryDirectory() as home:
        with Memory(home=home, embedding={"model": "hash"}) as mem:
            mem.add(first, "u")
            mem.add(second, "u")
            return [
                (r.status, r.attribute, r.value, bool(r.metadata.get("negated")), r.text)
                for status in ("active", "superseded")
                for r in mem.list_memories("u", kind="fact", status=status)
            ]


@pytest.mark.parametrize("first,second,old,new", CASES)
def test_what_the_pronoun_says_is_kept_and_the_old_thing_ends(first, second, old, new):
    facts = _facts(first, second)
    assert any(s == "active" and v == new and not n for s, _, v, n, _ in facts), facts
    assert not any(s == "active" and v == old and not n for s, _, v, n, _ in facts), facts


def test_an_ending_is_worded_for_the_slot_it_ends():
    first, second, old, _ = CASES[0]  # a sale read as a negated fact, moved into `owns`
    facts = _facts(first, second)
    ended = [(a, t) for s, a, v, n, t in facts if s == "active" and v == old and n]
    assert ended and all(a == "owns" and "work" not in t for a, t in ended), facts
