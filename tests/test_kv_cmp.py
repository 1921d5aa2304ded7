"""CMP tiers on a tiny random Llama: placement, byte budget, exact recall, paths."""

from __future__ import annotations

import pytest
import torch

from agentmem.kv import get_policy
from agentmem.kv.policies.cmp import COLD, HOT, WARM
from agentmem.kv.tiers import dequantize, quantize
from agentmem.llm.fakes import tiny_llm

pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def tiny():
    return tiny_llm()


@pytest.fixture(scope="module")
def ids():
    return torch.randint(0, 256, (1, 120), generator=torch.Generator().manual_seed(2)).tolist()[0]


def _cmp(**kw):
    return get_policy("cmp", block_size=4, recall_share=0.3, sinks=2, recent=4, **kw)


def test_quantisation_error_is_bounded():
    x = torch.randn(3, 10, 16)
    q, s = quantize(x)
    err = (dequantize(q, s, torch.float32) - x).abs()
    assert (err <= s.float() / 2 + 1e-6).all()


def test_tokens_move_down_and_device_bytes_stay_within_budget(tiny, ids):
    session = tiny.session(_cmp(), 0.25, prefill_chunk=16)
    session.feed_ids(ids)
    stats = session.stats()
    assert stats["tiers"]["warm"] > 0 and stats["tiers"]["cold"] > 0
    assert stats["device_kv_bytes"] <= stats["budget_tokens"] * session.cache.full_token_bytes()
    assert stats["offloaded_kv_bytes"] > 0
    assert sum(stats["tiers"].values()) == stats["tokens_seen"]
    session.cache.marked.update(range(len(ids)))
    assert session.cache.survival()["any_tier"] == 1.0


def test_cold_tier_is_exact_and_warm_within_quantisation_error(tiny, ids):
    full = tiny.session("full", 1.0, prefill_chunk=16)
    full.feed_ids(ids)
    session = tiny.session(_cmp(), 0.25, prefill_chunk=16)
    session.feed_ids(ids)
    # Layer 0's keys depend on the tokens only, so they can be compared with the full cache.
    for st, ref in [(session.cache.states[0], full.cache.states[0])]:
        tiers = st.extra["cmp"]
        cold = tiers.cold
        dim = ref.keys.shape[-1]
        exact = ref.keys[0].gather(1, cold.pos[:, :, None].expand(-1, -1, dim))
        assert torch.equal(cold.k[:, : cold.length], exact)
        warm_k, _ = tiers.warm.dequantized()
        ref_warm = ref.keys[0].gather(1, tiers.warm.pos[:, :, None].expand(-1, -1, dim))
        assert ((warm_k[0] - ref_warm).abs() <= tiers.warm.ks.float() / 2 + 1e-5).all()


def test_recalled_block_is_bit_exact(tiny, ids):
    full = tiny.session("full", 1.0, prefill_chunk=16)
    full.feed_ids(ids)
    session = tiny.session(_cmp(), 0.25, prefill_chunk=16)
    session.feed_ids(ids)
    st, ref = session.cache.states[0], full.cache.states[0]
    cold = st.extra["cmp"].cold
    query = torch.randn(2, 2, 1, ref.keys.shape[-1])
    k, v, bias, slots, blocks = cold.recall(query, 2)
    positions = cold.pos.gather(1, slots)
    dim = ref.keys.shape[-1]
    assert torch.equal(k[0], ref.keys[0].gather(1, positions[:, :, None].expand(-1, -1, dim)))
    assert torch.equal(v[0], ref.values[0].gather(1, positions[:, :, None].expand(-1, -1, dim)))
    best = cold.block_scores(query).argmax(dim=1)
    assert (blocks == best[:, None]).any(dim=1).all()  # the best block is among those recalled
    assert torch.equal(blocks, slots[:, :: cold.block_size] // cold.block_size)
    assert torch.equal(blocks, blocks.sort(dim=1).values)  # in the order they lie in the store
    assert bias.dtype == torch.float32 and set(bias.unique().tolist()) <= {0.0, float("-inf")}


def test_block_score_bounds_every_key_of_the_block(tiny, ids):
    """The representative keys bound q . k for every token of their block (Quest's property),
    up to the int8 rounding of the representatives (raw logits: shares are not bounds)."""
    policy = _cmp(representative="bound", recall_score="logit")
    session = tiny.session(policy, 0.25, prefill_chunk=16)
    session.feed_ids(ids)
    cold = session.cache.states[0].extra["cmp"].cold
    query = torch.randn(2, 2, 3, cold.dim)
    bound = cold.block_scores(query)  # (heads, blocks)
    keys = cold.k[:, : cold.length].float()
    exact = torch.einsum("hgqd,hnd->hgqn", query, keys).amax(dim=(1, 2))  # (heads, n)
    pad = (-cold.length) % cold.block_size
    exact = torch.nn.functional.pad(exact, (0, pad), value=float("-inf"))
    block_max = exact.view(2, -1, cold.block_size).amax(dim=2)
    slack = query.abs().sum(dim=-1).amax() * keys.abs().amax() / 127
    assert (bound >= block_max - slack).all()


def test_token_path_records_demotions(tiny, ids):
    session = tiny.session(_cmp(), 0.25, prefill_chunk=16)
    session.feed_ids(ids)
    cold = session.cache.states[0].extra["cmp"].cold
    warm_pos = set(session.cache.states[0].extra["cmp"].warm.pos[0].tolist())
    gone = next(p for p in cold.pos[0].tolist() if p not in warm_pos)
    path = [e for e in session.token_path(gone) if e["layer"] == 0 and e["head"] == 0]
    assert [(e["from"], e["to"]) for e in path] == [(HOT, WARM), (WARM, COLD)]


def test_cmp_decodes_within_budget(tiny, ids):
    session = tiny.session(_cmp(), 0.25, prefill_chunk=32)
    session.feed_ids(ids)
    for token in range(10):
        session.feed_ids([token])
        stats = session.stats()
        assert stats["device_kv_bytes"] <= stats["budget_tokens"] * session.cache.full_token_bytes()


def test_cmp_with_disk_cold_tier(tiny, ids, tmp_path):
    session = tiny.session(_cmp(cold_path=str(tmp_path)), 0.25, prefill_chunk=16)
    session.feed_ids(ids)
    assert any(tmp_path.rglob("*.bin"))
    memory = tiny.session(_cmp(), 0.25, prefill_chunk=16)
    memory.feed_ids(ids)
    torch.testing.assert_close(session.last_logits, memory.last_logits)
