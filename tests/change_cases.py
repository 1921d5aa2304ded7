"""What the tests of a change of state through `Memory.add` share: two statements said in
turn in a scope of their own, the values current and kept as history after them, and a
test that each replacement of a table ends the old value and states the new one."""

from __future__ import annotations

import sys
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


__all__ = ["Values", "replaces_each", "said_in_turn"]
