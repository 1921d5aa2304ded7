"""What the parse extractor's tests share: the facts one text reads, and a test that each
text of a table reads its fact."""

from __future__ import annotations

import pytest

from agentmem.facts.extraction import parse

Reading = tuple[str, str, str, bool]  # subject, attribute, value, negated


def read(text: str) -> set[Reading]:
    return {
        (f.subject, f.attribute, f.value, f.negated) for f in parse.ParseExtractor().extract(text)
    }


def reads_each(cases: list[tuple[str, Reading]]):
    """A test, parametrized over `cases`, that each text reads its fact."""

    @pytest.mark.parametrize("text, fact", cases)
    def test(text: str, fact: Reading) -> None:
        assert fact in read(text)

    return test


__all__ = ["read", "reads_each"]
