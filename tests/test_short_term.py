"""Short-term memory: the working context under its budget, rebuilt after a restart."""

from __future__ import annotations

import pytest

from agentmem import Memory, Scope
from agentmem.short_term import word_counter


def _open(home, max_tokens=50) -> Memory:
    return Memory(
        home=home,
        embedding={"model": "hash"},
        token_counter=word_counter,
        short_term={"max_tokens": max_tokens},
    )


def test_working_context_stays_within_budget(home):
    scope = Scope(user_id="u", session_id="s")
    with _open(home) as mem:
        for i in range(60):
            mem.observe("user" if i % 2 else "assistant", f"Message {i} about nothing much.", scope)
            assert mem.flush()  # consolidation runs in the background
            assert mem.short_term.get(scope).tokens <= 50
        working = mem.short_term.get(scope)
        assert working.summary is not None
        assert [m["content"] for m in working.messages()][-1] == "Message 59 about nothing much."


def test_sessions_are_separate(home):
    a, b = Scope(user_id="u", session_id="a"), Scope(user_id="u", session_id="b")
    with _open(home) as mem:
        mem.observe("user", "in session a", a)
        mem.observe("user", "in session b", b)
        assert [m["content"] for m in mem.short_term.get(a).messages()] == ["in session a"]
        assert [m["content"] for m in mem.short_term.get(b).messages()] == ["in session b"]


def test_working_context_is_rebuilt_after_restart(home):
    scope = Scope(user_id="u", session_id="s")
    with _open(home) as mem:
        for i in range(30):
            mem.observe("user", f"Turn {i}: I like number {i}.", scope)
        assert mem.flush()  # else close() would still consolidate after `before`
        before = mem.short_term.get(scope)
        turns, summary, tokens = before.messages(), before.summary_text, before.tokens
    with _open(home) as mem:
        after = mem.short_term.get(scope)
        assert after.messages() == turns
        assert after.summary_text == summary and after.tokens == tokens
        mem.short_term.forget()
        assert mem.short_term.get(scope).messages() == turns


def test_tool_and_document_turns_speak_as_labelled_user_messages(home):
    scope = Scope(user_id="u", session_id="s")
    with _open(home, max_tokens=500) as mem:
        mem.observe("tool", "weather -> sunny", scope)
        assert mem.short_term.get(scope).messages() == [
            {"role": "user", "content": "[tool] weather -> sunny"}
        ]


@pytest.mark.llm
def test_real_tokenizer_counts_without_loading_weights(tmp_path):

    from agentmem import MemoryConfig
    from agentmem.short_term import load_token_counter

    try:
        count = load_token_counter(MemoryConfig.create(home=tmp_path / "h"))
    except Exception as exc:  # the bundled model package is optional
        pytest.skip(f"no bundled tokenizer: {exc}")
    assert 3 <= count("I live in Paris.") <= 8
