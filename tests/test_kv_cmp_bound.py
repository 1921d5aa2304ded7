"""CMP's bounded selection: per-channel min/max representatives bound every key's score, so
the blocks they open first and the exact keys they read choose what an exhaustive exact
scoring would, whatever the block's mean key says."""

from __future__ import annotations

import pytest
import torch

from agentmem.kv.tiers import ColdStore, dequantize, quantize_bound


def _store(keys: torch.Tensor, block: int, representative: str, share: bool = True):
    heads, n, dim = keys.shape
    store = ColdStore(heads, dim, torch.float32, "cpu", block, None, representative, share)
    store.append(keys, keys.clone(), torch.arange(n).expand(heads, -1))
    store.in_warm.zero_()
    return store


def _exhaustive(store: ColdStore, query: torch.Tensor, count: int) -> list[set[int]]:
    """Per head, the ``count`` blocks whose best attendable key scores highest (share of each
    query's softmax over the blocks' bounds, best over the queries), computed from every key."""
    q = query.float().flatten(1, 2)
    _, norm = store._rep_logits(q)
    every = torch.arange(store.blocks).expand(store.heads, -1)
    exact = store._exact(q, every, norm)
    return [set(row.tolist()) for row in exact.topk(count, dim=1).indices]


def test_bound_quantisation_rounds_outwards():
    x = torch.randn(4, 9, 32) * 3
    up, s_up = quantize_bound(x, up=True)
    down, s_down = quantize_bound(x, up=False)
    assert (dequantize(up, s_up, torch.float32) >= x - 1e-6).all()
    assert (dequantize(down, s_down, torch.float32) <= x + 1e-6).all()


def test_a_block_whose_one_key_matches_is_recalled_though_its_mean_does_not():
    """Block 5 holds one key aimed at the query and seven pointing away (its mean is about 0);
    the other blocks' keys lean mildly towards the query, so every mean beats block 5's."""
    gen = torch.Generator().manual_seed(31)
    dim, block, n = 16, 8, 160
    query = torch.randn(dim, generator=gen)
    query /= query.norm()
    keys = torch.randn(1, n, dim, generator=gen) * 0.3 + query * 0.8
    keys[0, 40:48] = -query * 1.0
    keys[0, 43] = query * 7.0
    q = query[None, None, None, :]  # (heads, group, q, d)
    picked = {}
    for representative in ("mean", "bound"):
        store = _store(keys, block, representative)
        slots = store.recall(q, 2, candidates=2)[3]
        picked[representative] = set((slots[0] // block).tolist())
    assert 5 in picked["bound"]
    assert 5 not in picked["mean"]  # the case the bound exists for


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("share", [False, True])
def test_bounded_selection_equals_an_exhaustive_exact_scoring(seed, share):
    gen = torch.Generator().manual_seed(seed)
    heads, n, dim, block, count = 3, 203, 24, 8, 4
    keys = torch.randn(heads, n, dim, generator=gen)
    keys[:, 100:140] *= 2.5  # a stretch of loud keys makes many bounds high
    store = _store(keys, block, "bound", share)
    store.in_warm[:, 50:60] = True  # attended in tier 1: never the reason to recall a block
    query = torch.randn(heads, 2, 5, dim, generator=gen)  # two query heads, five queries
    slots = store.recall(query, count, candidates=2)[3]
    got = [set((row // block).tolist()) for row in slots]
    assert got == _exhaustive(store, query, count)
    assert count * 2 <= store.opened <= store.blocks


def test_a_tight_bound_reads_only_the_first_candidates():
    """Keys that all point one way but for a few loud blocks: the bounds of the quiet blocks
    fall below the exact scores of the loud ones, so nothing past the first pool is read."""
    gen = torch.Generator().manual_seed(4)
    dim, block = 16, 8
    base = torch.randn(dim, generator=gen).abs()
    keys = base * 0.1 + torch.rand(1, 400, dim, generator=gen) * 0.01
    for b in (3, 17, 30, 44):
        keys[0, b * block : (b + 1) * block] = base * 2.0
    store = _store(keys, block, "bound")
    slots = store.recall(base[None, None, None, :], 4, candidates=2)[3]
    assert set((slots[0] // block).tolist()) == {3, 17, 30, 44}
    assert store.opened == 8


def test_a_held_recall_starts_the_next_selection_and_gives_the_fresh_result():
    gen = torch.Generator().manual_seed(12)
    heads, dim, block = 2, 16, 8
    keys = torch.randn(heads, 320, dim, generator=gen)
    store = _store(keys, block, "bound")
    first = torch.randn(heads, 3, 1, dim, generator=gen)
    held = store.recall(first, 4, candidates=2)
    assert store.recall(first, 4, candidates=2, held=held) is held  # still standing: reused
    for _ in range(5):
        nearby = first + 0.6 * torch.randn(heads, 3, 1, dim, generator=gen)
        again = store.recall(nearby, 4, candidates=2, held=held)
        fresh = store.recall(nearby, 4, candidates=2)
        blocks = [set((row // block).tolist()) for row in again[3]]
        assert blocks == [set((row // block).tolist()) for row in fresh[3]]
        assert blocks == _exhaustive(store, nearby, 4)
        held = again


def test_a_bad_recall_norm_is_refused():
    from agentmem.errors import ConfigError
    from agentmem.kv import get_policy

    with pytest.raises(ConfigError, match="recall_norm"):
        get_policy("cmp", recall_norm="tokens")
