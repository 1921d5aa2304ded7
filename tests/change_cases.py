"""What the tests of a change of state through `Memory.add` share: two statements said in
turn in a scope of their own, the values current and kept as history after them, and a
test that each replacement of a table ends the old value and states the new one."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pytest

from agentmem import Memory, Scope

sys.path.insert(0, str(Path(__file__).parent / "conflicts_hand"))
from conflicts_evaluate import values  # noqa: E402

Values = tuple[set[str], set[str]]  # (current positive values, values kept as history)


def said_in_turn(mem: Memory, tag: str, first: str, second: str) -> Values:
    """The values after `first` then `second` are added to a scope named by `tag` and the
    second text."""
    scope = Scope(f"{tag}-{abs(hash(second))}")
    mem.add(first, scope)
    mem.add(second, scope)
    return values(mem, scope)


def facts_after(*texts: str) -> set[tuple[str, str, str]]:
    """(status, attribute, value) of the positive facts, active and superseded, after
    `texts` are added in turn to one scope of a fresh home (hash embedder)."""
    with tempfile.TemporaryDirectory() as home:
        with Memory(home=home, embedding={"model": "hash"}) as mem:
            for text in texts:
                mem.add(text, scope="u")
            return {
                (status, r.attribute, r.value)
                for status in ("active", "superseded")
                for r in mem.list_memories("u", kind="fact", status=status)
                if not r.metadata.get("negated")
            }


def replaces_each(cases: list[tuple[str, str, str, str]], tag: str):
    """A test, parametrized over `cases` (first, second, old value, new value), that the
    second text ends the old value (kept as history) and states the new one."""

    @pytest.mark.parametrize("first,second,old,new", cases)
    def test(mem: Memory, first: str, second: str, old: str, new: str) -> None:
        now, before = said_in_turn(mem, tag, first, second)
        assert not any(old in v for v in now), now
        assert any(old in v for v in before), before
        assert any(new in v for v in now), now

    return test


__all__ = ["Values", "facts_after", "replaces_each", "said_in_turn"]
