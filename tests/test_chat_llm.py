"""Memory.chat on the bundled model: memory in the prompt, the turn observed, KV snapshots."""

import pytest

from agentmem import Memory, Scope

pytestmark = pytest.mark.llm


@pytest.fixture
def chat_mem(home, local_llm):
    with Memory(home=home, embedding={"model": "hash"}) as mem:
        mem.llm = local_llm
        yield mem


def test_chat_observes_both_turns_and_uses_memory(chat_mem):
    alice = Scope("alice", session_id="s1")
    chat_mem.add("My dog is called Biscuit.", alice)
    reply = chat_mem.chat("What is my dog called?", alice, max_new_tokens=12)
    assert reply.text and reply.tiers == ["text", "kv", "parametric"]
    assert reply.memories and reply.context_tokens > 0
    roles = [r["role"] for r in chat_mem.sql("SELECT role FROM episodes ORDER BY seq", alice)]
    assert roles == ["user", "assistant"]


def test_second_turn_reuses_the_activation_snapshot(chat_mem):
    bob = Scope("bob", session_id="s1")
    chat_mem.add("I live in Porto.", bob)
    first = chat_mem.chat("Hello there", bob, max_new_tokens=4)
    second = chat_mem.chat("Hello there", bob, max_new_tokens=4)
    assert first.kv["snapshot_hit"] is False
    assert second.kv["snapshot_hit"] is True
    assert list((chat_mem.config.home / "kv").rglob("*.safetensors"))


def test_parametric_only_tier_sends_no_text_memory(chat_mem):
    carol = Scope("carol")
    chat_mem.add("My favourite colour is teal.", carol)
    reply = chat_mem.chat(
        "What is my favourite colour?", carol, tiers=["parametric"], max_new_tokens=4
    )
    assert reply.memories == [] and reply.context_tokens == 0
