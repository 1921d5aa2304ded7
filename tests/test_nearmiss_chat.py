"""Nothing acknowledged is merged away in the chat register either: the near-miss pairs of
`nearmiss/generate.py`, rewritten mechanically as typed in a chat box (`nearmiss/chat_pairs.py`:
lower case, no apostrophes, dropped subjects), stay two memories each when they differ in a
date, number, name, place, negation or content word. On SQLite with the bundled MiniLM
embedder and the default extractor. Also what sameness reads of chat's spellings: a
contraction typed without its apostrophe is the contraction."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

from agentmem import Memory, Scope
from agentmem.facts.sameness import same_content

sys.path.insert(0, str(Path(__file__).parent / "nearmiss"))
from chat_pairs import chat_pairs, check  # noqa: E402

PAIRS = chat_pairs()


def test_the_chat_variant_is_large_and_varied():
    kinds = Counter(p.category for p in PAIRS)
    assert sum(n for k, n in kinds.items() if k != "same") >= 500
    assert set(kinds) >= {"date", "number", "name", "negation", "content", "same"}
    assert not any("'" in p.first + p.second for p in PAIRS)
    assert all(p.first == p.first.lower() for p in PAIRS)


def test_no_silent_merges_in_the_chat_register(tmp_path, minilm):
    distinct = [p for p in PAIRS if not p.should_merge]
    with Memory(home=tmp_path, embedder=minilm) as mem:
        failures = [f for n, p in enumerate(distinct) if (f := check(mem, p, Scope(f"c{n}")))]
    assert not failures, f"{len(failures)} of {len(distinct)} pairs failed:\n" + "\n".join(
        failures[:40]
    )


@pytest.mark.parametrize(
    "typed, written",
    [
        ("im vegetarian", "I'm vegetarian"),
        ("ive got two cats", "I've got two cats"),
        ("theyre moving to hull", "they're moving to hull"),
        ("the lift doesnt work", "the lift doesn't work"),
    ],
)
def test_a_contraction_without_its_apostrophe_is_the_contraction(typed, written):
    assert same_content(typed, written, ordered=True)


@pytest.mark.parametrize(
    "first, second",
    [
        ("im vegetarian", "im not vegetarian"),
        ("the lift works", "the lift doesnt work"),
        ("ill call ana", "ill call anna"),  # "ill" is a word: left as typed, still distinct
    ],
)
def test_chat_spellings_still_keep_differences(first, second):
    assert not same_content(first, second, ordered=True)
