"""Activation snapshots: round trip, reuse, refusal of other models and of truncated files."""

from __future__ import annotations

import pytest
import torch

from agentmem.errors import FingerprintMismatch, ModelError, ScopeError
from agentmem.kv.snapshots import (
    SnapshotStore,
    load_snapshot,
    purge_user,
    read_metadata,
    save_snapshot,
    user_dir,
)

pytest.importorskip("transformers")
from agentmem.llm.fakes import tiny_llm  # noqa: E402

PREFIX = "System: you are helpful. Core memories: alice likes tea; alice lives in Paris.\n"


@pytest.fixture(scope="module")
def llm():
    return tiny_llm()


def _continue(session, text="Q: where?"):
    return session.feed_ids(session.llm.encode(text), return_logits=True)


def test_round_trip_gives_the_same_continuation(llm, tmp_path):
    fresh = llm.session("full", 1.0)
    fresh.feed(PREFIX)
    meta = save_snapshot(fresh, tmp_path / "snap", PREFIX)
    assert meta["tokens"] == fresh.tokens_seen and meta["dtype"] == "float32"
    restored = load_snapshot(llm, tmp_path / "snap", PREFIX)
    assert restored.tokens_seen == fresh.tokens_seen
    torch.testing.assert_close(_continue(restored), _continue(fresh))
    assert set(read_metadata(tmp_path / "snap")) >= {"fingerprint", "tokenizer_hash", "text_hash"}


def test_other_model_is_refused(llm, tmp_path):
    session = llm.session("full", 1.0)
    session.feed(PREFIX)
    save_snapshot(session, tmp_path / "snap", PREFIX)
    other = tiny_llm(seed=1)
    with pytest.raises(FingerprintMismatch, match="belongs to model"):
        load_snapshot(other, tmp_path / "snap")


def test_truncated_or_stale_file_is_refused(llm, tmp_path):
    session = llm.session("full", 1.0)
    session.feed(PREFIX)
    save_snapshot(session, tmp_path / "snap", PREFIX)
    with pytest.raises(ModelError, match="another prefix"):
        load_snapshot(llm, tmp_path / "snap", PREFIX + "changed")
    data = (tmp_path / "snap.safetensors").read_bytes()
    (tmp_path / "snap.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError, match="truncated"):
        load_snapshot(llm, tmp_path / "snap", PREFIX)


def test_evicted_cache_cannot_be_snapshotted(llm, tmp_path):
    session = llm.session("streaming_llm", 8)
    session.feed(PREFIX)
    with pytest.raises(ModelError, match="full KV"):
        save_snapshot(session, tmp_path / "snap", PREFIX)


def test_store_reuses_per_scope_and_purges(llm, tmp_path):
    store = SnapshotStore(tmp_path / "kv")
    first, hit = store.session(llm, "alice", None, PREFIX, policy="h2o", budget=0.5)
    assert not hit and first.policy.name == "h2o"
    second, hit = store.session(llm, "alice", None, PREFIX)
    assert hit
    torch.testing.assert_close(_continue(first), _continue(second))
    _, hit = store.session(llm, "bob", None, PREFIX)
    assert not hit  # never another user's snapshot
    _, hit = store.session(llm, "alice", None, PREFIX + "new memory\n")
    assert not hit
    assert len(list(user_dir(tmp_path / "kv", "alice").rglob("*.json"))) == 1  # old one replaced
    purge_user(tmp_path / "kv", "alice")
    assert not user_dir(tmp_path / "kv", "alice").exists()
    assert user_dir(tmp_path / "kv", "bob").exists()
    with pytest.raises(ScopeError):
        user_dir(tmp_path, "")


def test_llm_chat_uses_the_scope_snapshot(tmp_path):
    from agentmem.config import MemoryConfig

    llm = tiny_llm(config=MemoryConfig.create(home=tmp_path))
    messages = [{"role": "user", "content": "hello"}]
    first, stats = llm.chat(PREFIX, messages, user_id="alice", max_new_tokens=3)
    assert not stats["snapshot_hit"]
    second, stats = llm.chat(PREFIX, messages, user_id="alice", max_new_tokens=3)
    assert stats["snapshot_hit"] and first == second
    plain, _ = llm.chat(PREFIX, messages, max_new_tokens=3)
    assert plain == first
