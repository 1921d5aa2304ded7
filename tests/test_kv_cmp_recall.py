"""CMP's query-aware recall on a tiny random Llama: what is recalled, when, and at what cost."""

from __future__ import annotations

import pytest
import torch

from agentmem.kv import get_policy
from agentmem.kv.tiers import ColdStore
from agentmem.llm.fakes import tiny_llm

pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def tiny():
    return tiny_llm(seed=3)


@pytest.fixture(scope="module")
def ids():
    return torch.randint(0, 256, (1, 200), generator=torch.Generator().manual_seed(11)).tolist()[0]


def _compressed(tiny, ids, **params):
    policy = get_policy("cmp", sinks=2, recent=8, **params)
    session = tiny.session(policy, 0.25, prefill_chunk=32)
    session.feed_ids(ids)
    return session


def _cold_only(tiers) -> list[torch.Tensor]:
    """Per head, the positions of the tokens held only in the cold tier."""
    cold = tiers.cold
    return [cold.pos[h][~cold.in_warm[h]] for h in range(cold.heads)]


@pytest.mark.parametrize("representative", ["mean", "bound"])
@pytest.mark.parametrize("candidates", [1, 4])
def test_a_block_whose_keys_match_the_query_is_recalled(representative, candidates):
    gen = torch.Generator().manual_seed(5)
    heads, dim, block = 2, 16, 4
    store = ColdStore(heads, dim, torch.float32, "cpu", block, None, representative)
    keys = torch.randn(heads, 64, dim, generator=gen) * 0.1
    target = torch.randn(heads, dim, generator=gen)
    planted = [9, 3]  # a different block per head
    for h, b in enumerate(planted):
        keys[h, b * block : (b + 1) * block] = target[h] * 3
    store.append(keys, keys.clone(), torch.arange(64).expand(heads, -1))
    store.in_warm.zero_()
    query = target[:, None, None, :]  # (heads, group=1, q=1, d)
    _, _, bias, slots, _ = store.recall(query, 2, candidates)
    for h, b in enumerate(planted):
        assert b in (slots[h] // block).tolist()
    assert (bias == 0).all()


def test_recall_finds_a_cold_token_for_a_query_aimed_at_it(tiny, ids):
    session = _compressed(tiny, ids)
    st = session.cache.states[1]
    tiers = st.extra["cmp"]
    wanted = [int(p[len(p) // 2]) for p in _cold_only(tiers)]
    exact = tiers.cold.k[:, : tiers.cold.length]
    rows = [int((tiers.cold.pos[h] == wanted[h]).nonzero()[0]) for h in range(len(wanted))]
    aim = torch.stack([exact[h, r] for h, r in enumerate(rows)])  # (heads, d)
    group = session.llm.model.config.num_attention_heads // st.keys.shape[1]
    query = (aim.repeat_interleave(group, 0) * 4)[None, :, None, :]
    bias = session.policy.extra_kv(st, query)[2]
    recalled = bias[:, : tiers.recalled.shape[1]] == 0  # the block summaries follow
    attended = torch.cat([tiers.warm.pos, tiers.cold.pos.gather(1, tiers.recalled)], 1)
    valid = torch.cat([torch.ones_like(tiers.warm.pos, dtype=torch.bool), recalled], 1)
    for h, p in enumerate(wanted):
        assert p in attended[h][valid[h]].tolist()


def test_recall_is_chosen_per_query_chunk_and_per_decoded_token(tiny, ids):
    session = _compressed(tiny, ids, recall_chunk=8)
    seen = []
    extra_kv = session.policy.extra_kv

    def spy(state, query, lse=None):
        seen.append(query.shape[2])
        return extra_kv(state, query, lse)

    session.policy.extra_kv = spy
    session.feed_ids(ids[:20])  # one forward of 20 queries: chunks of 8, 8, 3 and the last
    layers = len(session.cache.states)
    assert seen == [8, 8, 3, 1] * layers  # the last query chooses alone
    seen.clear()
    for token in (7, 8, 9):
        session.feed_ids([token])
    assert seen == [1] * (3 * layers)
    seen.clear()
    session.prefill_chunk = 1 << 30
    session.feed_ids(ids[:100])  # a bulk prefill keeps the attention's own chunks
    assert seen == [100] * layers


@pytest.mark.parametrize("budget", [0.125, 0.25, 0.5])
def test_recall_bytes_are_a_share_of_the_device_budget(tiny, ids, budget):
    policy = get_policy("cmp", sinks=2, recent=8, recall_share=0.5)
    session = tiny.session(policy, budget, prefill_chunk=32)
    session.feed_ids(ids)
    stats = session.stats()
    per_token = session.cache.full_token_bytes() // len(session.cache.states)
    for st in session.cache.states:
        tiers = st.extra["cmp"]
        recall_bytes = tiers.recall * policy.block_size * per_token
        assert 0 < recall_bytes <= 0.5 * stats["budget_tokens"] * per_token
    assert stats["device_kv_bytes"] <= stats["budget_tokens"] * session.cache.full_token_bytes()


def test_budget_one_is_the_full_cache_through_decoding(tiny, ids):
    full = tiny.session("full", 1.0, prefill_chunk=32)
    cmp = tiny.session("cmp", 1.0, prefill_chunk=32)
    for s in (full, cmp):
        s.feed_ids(ids)
    for token in (4, 5, 6, 7):
        full.feed_ids([token]), cmp.feed_ids([token])
        torch.testing.assert_close(cmp.last_logits, full.last_logits, rtol=1e-4, atol=1e-4)
    assert cmp.stats()["tiers"] == {"hot": len(ids) + 4, "warm": 0, "cold": 0}


def test_recall_changes_the_output_only_through_recalled_tokens(tiny, ids):
    """With no recall capacity the cold tier is never attended; with it, the output moves
    toward the full cache's (the recalled tokens are exact)."""
    full = tiny.session("full", 1.0, prefill_chunk=32)
    full.feed_ids(ids)
    probe = ids[:12]
    ref = full.feed_ids(probe, return_logits=True)
    errors = {}
    for share in (0.0, 0.6):
        s = _compressed(tiny, ids, recall_share=share, warm_share=0.0)
        out = s.feed_ids(probe, return_logits=True)
        errors[share] = float((out - ref).norm() / ref.norm())
    assert errors[0.6] < errors[0.0]


@pytest.mark.parametrize("candidates", [1, 4])
def test_share_scoring_lets_a_soft_query_head_claim_its_block(candidates):
    """Two query heads read one KV head: one with large logits spread almost evenly over the
    blocks, one with small logits concentrated on one block. By raw logit the first picks
    the recall; by share of each query's attention the concentrated one does."""
    a = torch.full((10,), 0.96)
    a[0] = 1.0  # the sharp head's favourite, barely ahead of the rest
    b = torch.zeros(10)
    b[1] = 3.0  # the soft head's only match
    keys = torch.stack([a, b], dim=1)[None]  # (heads=1, 10 blocks of 1 token, d=2)
    query = torch.tensor([[10.0, 0.0], [0.0, 1.0]])[None, :, None, :]  # (1, group=2, q=1, 2)
    picked = {}
    for share in (False, True):
        store = ColdStore(1, 2, torch.float32, "cpu", 1, None, "mean", share)
        store.append(keys, keys.clone(), torch.arange(10)[None])
        store.in_warm.zero_()
        picked[share] = store.recall(query, 1, candidates)[3][0].tolist()
    assert picked == {False: [0], True: [1]}
