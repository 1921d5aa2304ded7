"""One text said twice: by the same speaker it is stated again (one memory, reinforced),
by two speakers of one conversation it is two memories, each with its speaker. Holds for
a text of several facts (stored as a note and its facts), a plain note and a one-fact
text, and when a case change makes the parse read the second saying differently."""

from __future__ import annotations

import pytest

from agentmem import Memory
from agentmem.types import Scope

TEXTS = [
    "We moved to Lisbon last spring and my wife teaches chemistry there.",
    "Let's meet by the old harbour crane at noon on Saturday.",
    "I live in Tromso.",
]


@pytest.fixture
def mem(tmp_path):
    with Memory(home=tmp_path / "home", embedding={"model": "hash"}) as m:
        yield m


@pytest.mark.parametrize("text", TEXTS)
def test_two_speakers_saying_one_text_are_two_memories(mem, text):
    scope = Scope(user_id="u1", session_id="chat-1")
    first = mem.add(text, scope, metadata={"speaker": "Ines"})
    second = mem.add(text, scope, metadata={"speaker": "Marek"})
    assert first.id != second.id
    said = {r.metadata.get("speaker") for r in mem.list_memories(scope) if r.text == text}
    assert said == {"Ines", "Marek"}
    assert [e.op for e in mem.history(first.id, scope)] == ["ADD"]


@pytest.mark.parametrize("text", TEXTS)
def test_one_speaker_saying_a_text_again_reinforces_it(mem, text):
    scope = Scope(user_id="u1", session_id="chat-1")
    first = mem.add(text, scope, metadata={"speaker": "Ines"})
    again = mem.add(text.lower(), scope, metadata={"speaker": "Ines"})
    assert again.id == first.id
    assert [e.op for e in mem.history(first.id, scope)] == ["ADD", "REINFORCE"]


def test_a_case_change_that_parses_differently_is_still_stated_again(mem):
    scope = Scope(user_id="u2")
    first = mem.add("My cat is named Miso", scope)
    again = mem.add("my cat is named miso", scope)
    assert again.id == first.id
    assert mem.get(first.id, scope).access_count == 1
