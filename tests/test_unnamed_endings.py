"""Changes said without naming what changed, in phrasings written apart from the ones the
code was tried on:

- leaving a post with nothing named ("I retired in April", "Grandad stepped down after
  40 years") ends the subject's employer, every value of the slot, as a notice given does;
  other facts of the subject stay;
- "changed my name to X" gives the speaker's own name, "changed her name to X" the
  name of the clause's subject (it stored a subject "user's my" and the last word only).
"""

from __future__ import annotations

import pytest

from agentmem import Memory


@pytest.mark.parametrize(
    "text,fact",
    [
        ("I retired in April.", ("user", "works_at", "", True)),
        ("Grandad stepped down after 40 years.", ("user's grandad", "works_at", "", True)),
        ("I've changed my name to Maya Okafor.", ("user", "name", "Maya Okafor", False)),
        ("My aunt changed her name to Ruth.", ("user's aunt", "name", "Ruth", False)),
    ],
)
def test_reads(read_facts, text, fact):
    assert fact in read_facts(text), read_facts(text)


def test_retiring_ends_the_employer_and_nothing_else(tmp_path):
    with Memory(home=str(tmp_path), embedding={"model": "hash"}) as mem:
        mem.add("I work at the county library.", "u1")
        mem.add("I love gardening.", "u1")
        mem.add("I retired in April.", "u1")
        active = {r.text for r in mem.list_memories("u1")}
        assert "I work at the county library." not in active, active
        assert "I love gardening." in active, active
