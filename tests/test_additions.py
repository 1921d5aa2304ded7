"""A value said to hold beside the others ("also", "too", "as well", "another") adds to a
single-valued slot instead of replacing its value, through `Memory.add` (SQLite, hash
embedder, `change_cases.facts_after`); a clause without the mark, or with "again", still
replaces, and a mark in another clause ("my sister lives there too") marks only that clause."""

from __future__ import annotations

import pytest
from change_cases import facts_after

ADDED = [  # (first, second, the stored value that stays, the value added)
    ("I work at Deloitte.", "I also work at KPMG.", "Deloitte", "KPMG"),
    ("I work at Deloitte.", "I work at KPMG too, on weekends.", "Deloitte", "KPMG"),
    ("I work at Deloitte.", "I work at KPMG as well.", "Deloitte", "KPMG"),
    ("Maya works at the library.", "Maya also works at the café.", "library", "café"),
    ("I drive a Fiesta.", "I also drive a Golf for work.", "Fiesta", "Golf"),
]


@pytest.mark.parametrize("first,second,kept,new", ADDED)
def test_a_value_added_keeps_the_stored_one(first, second, kept, new):
    facts = facts_after(first, second)
    active = {v for s, _, v in facts if s == "active"}
    assert kept in active and new in active, facts


REPLACED = [  # (first, second, old value, new value)
    (
        "I live in Manchester.",
        "I moved to Leeds and my sister lives there too.",
        "Manchester",
        "Leeds",
    ),
    ("I work at KPMG.", "I work at Deloitte again.", "KPMG", "Deloitte"),
    ("I work at Deloitte.", "I work at KPMG now.", "Deloitte", "KPMG"),
]


@pytest.mark.parametrize("first,second,old,new", REPLACED)
def test_without_an_addition_of_its_own_the_value_replaces(first, second, old, new):
    facts = facts_after(first, second)
    active = {v for s, _, v in facts if s == "active"}
    assert new in active and old not in active, facts
