"""One value of a slot of many values, said in two texts that each name someone or
somewhere the other does not, is two memories that both hold ("I walk the dog with Hana" /
"with Ines"); a rewording ("on Tuesdays" / "every Tuesday") or a new amount of the same
habit replaces the earlier text, which stays as history. Phrasings written apart from the
suites the rule was found on."""

from __future__ import annotations

import pytest

from agentmem import Memory


def _statuses(mem: Memory, user: str, first: str, second: str) -> tuple[str, str]:
    mem.add(first, user)
    mem.add(second, user)
    by_text = {}
    for status in ("active", "superseded"):
        for r in mem.list_memories(user, status=status):
            by_text.setdefault(r.text, status)
    return by_text.get(first, "missing"), by_text.get(second, "missing")


@pytest.fixture
def mem(tmp_path):
    with Memory(home=str(tmp_path), embedding={"model": "hash"}) as m:
        yield m


@pytest.mark.parametrize(
    "first,second",
    [
        ("I walk the dog with Hana on Sundays.", "I walk the dog with Ines on Sundays."),
        ("I love skiing in Verbier.", "I love skiing in Chamonix."),
    ],
)
def test_two_names_are_two_memories(mem, first, second):
    assert _statuses(mem, "u1", first, second) == ("active", "active")


@pytest.mark.parametrize(
    "first,second",
    [
        ("I play chess on Tuesdays.", "I play chess every Tuesday."),
        ("I cycle 10 miles on Saturdays.", "I cycle 15 miles on Saturdays."),
    ],
)
def test_a_rewording_or_new_amount_replaces(mem, first, second):
    assert _statuses(mem, "u1", first, second) == ("superseded", "active")
