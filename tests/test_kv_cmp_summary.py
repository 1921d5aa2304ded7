"""CMP's block summaries: the cold context a query does not recall is attended as one row per
group of blocks, weighted by the tokens it stands for, within the byte budget."""

from __future__ import annotations

import pytest
import torch

from agentmem.kv import get_policy
from agentmem.kv.policies.cmp_recall import Recall, _Tiers
from agentmem.kv.tiers import ColdStore, WarmTier
from agentmem.kv.tiers.summary import BlockSummary
from agentmem.llm.fakes import tiny_llm

pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def tiny():
    return tiny_llm()


@pytest.fixture(scope="module")
def ids():
    return torch.randint(0, 256, (1, 120), generator=torch.Generator().manual_seed(4)).tolist()[0]


def _store(n: int, heads: int = 2, dim: int = 8, block: int = 4, seed: int = 0) -> ColdStore:
    gen = torch.Generator().manual_seed(seed)
    store = ColdStore(heads, dim, torch.float32, "cpu", block, None, "bound", True)
    keys = torch.randn(heads, n, dim, generator=gen)
    store.append(keys, torch.randn(heads, n, dim, generator=gen), torch.arange(n).expand(heads, -1))
    store.in_warm.zero_()
    return store


@pytest.mark.parametrize("group", [1, 2, 3])
def test_a_summary_is_the_mean_of_its_tokens_outside_tier_one(group):
    store = _store(22)  # 6 blocks of 4, the last one partial
    store.in_warm[0, 1] = store.in_warm[1, 9] = True  # attended in tier 1: left out
    keys, values, count, taken = BlockSummary(2, 8, "cpu", torch.float32, group).rows(store)
    keys, values, per_block = keys[0], values[0], -taken
    size = group * store.block_size
    for h in range(2):
        for g in range(keys.shape[1]):
            members = [
                s
                for s in range(g * size, min((g + 1) * size, store.length))
                if not store.in_warm[h, s]
            ]
            assert count[h, g] == len(members)
            want = store.k[h, members].mean(dim=0)
            scale = want.abs().max() / 127
            assert (keys[h, g] - want).abs().max() <= scale / 2 + 1e-6
            assert (values[h, g] - store.v[h, members].mean(dim=0)).abs().max() < 0.02
    assert per_block.sum() == (~store.in_warm).sum()


def test_summaries_follow_moves_to_tier_one_and_appends():
    store = _store(16)
    summary = BlockSummary(2, 8, "cpu", torch.float32)
    assert summary.rows(store)[2][0, 0] == 4
    store.in_warm[0, 0:2] = True  # an in-place write: the version counter moves
    assert summary.rows(store)[2][0, 0] == 2
    store.append(torch.randn(2, 4, 8), torch.randn(2, 4, 8), torch.arange(16, 20).expand(2, -1))
    assert summary.rows(store)[2].shape[1] == 5


@pytest.mark.parametrize("group", [1, 2])
def test_a_recalled_block_is_not_counted_again_in_its_summary(group):
    """The bias of a group's row is the log of its tokens neither recalled nor in tier 1; a
    group whose every token is attended exactly is masked out (-inf)."""
    store = _store(32)  # 8 blocks of 4
    tiers = _Tiers(WarmTier(2, 8, "cpu", torch.float32), store)
    tiers.summary = BlockSummary(2, 8, "cpu", torch.float32, group)
    recalled = store.recall(torch.randn(2, 1, 1, 8), 2)
    tiers.held = recalled
    keys, _, mass = Recall._with_summaries(tiers, recalled[:3])
    exact = recalled[0].shape[2]
    assert keys.shape[2] == exact + 8 // group and mass.shape == (2, exact + 8 // group)
    assert (mass[:, :exact] == 0).all()
    for h in range(2):
        taken = {int(b) for b in recalled[4][h]}
        for g in range(8 // group):
            left = sum(4 for b in range(g * group, (g + 1) * group) if b not in taken)
            assert bool(mass[h, exact + g].isfinite()) == (left > 0)
            if left:
                assert mass[h, exact + g].exp().round() == left


def _cmp(**kw):
    return get_policy("cmp", block_size=4, recall_share=0.3, sinks=2, recent=4, **kw)


@pytest.mark.parametrize("group", [1, 4])
def test_summaries_stay_within_the_byte_budget_while_decoding(tiny, ids, group):
    session = tiny.session(_cmp(summarize=True, summary_group=group), 0.25, prefill_chunk=16)
    session.feed_ids(ids)
    for token in range(6):
        session.feed_ids([token])
        stats = session.stats()
        assert stats["device_kv_bytes"] <= stats["budget_tokens"] * session.cache.full_token_bytes()
        assert sum(stats["tiers"].values()) == stats["tokens_seen"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_token_summaries_bring_the_attention_near_the_full_cache(tiny, seed):
    """With blocks of one token each summary is an int8 copy of its token: the next-token
    distribution is then nearer the full cache's than when the unrecalled tokens are
    dropped (the budget is not the question here: a large share of a generous one)."""
    text = torch.randint(0, 256, (1, 150), generator=torch.Generator().manual_seed(seed))
    ids = text.tolist()[0]
    full = tiny.session("full", 1.0, prefill_chunk=16)
    full.feed_ids(ids)
    ref = full.last_logits.float().log_softmax(-1)

    def kl(**kw):
        policy = get_policy("cmp", block_size=1, recall_share=0.1, sinks=2, recent=4, **kw)
        session = tiny.session(policy, 0.5, prefill_chunk=16)
        session.feed_ids(ids)
        assert session.stats()["tiers"]["cold"] > 0
        got = session.last_logits.float().log_softmax(-1)
        return float((ref.exp() * (ref - got)).sum())

    assert kl(summarize=True, summary_group=1) < kl(summarize=False)


def test_a_bad_summary_group_is_refused():
    with pytest.raises(Exception, match="summary_group"):
        get_policy("cmp", summary_group=0)


@pytest.mark.parametrize("group", [1, 3])
def test_summaries_kept_up_to_date_equal_summaries_built_anew(group):
    """Tokens leaving tier 1 and blocks appended, as compressions go, are added to the kept
    sums; the rows equal those of a summary built from the whole store at every step."""
    gen = torch.Generator().manual_seed(7)
    store = _store(22)
    store.in_warm.fill_(True)
    kept = BlockSummary(2, 8, "cpu", torch.float32, group)
    for step in range(6):
        if step % 2:
            n = 4 + step
            store.append(
                torch.randn(2, n, 8, generator=gen),
                torch.randn(2, n, 8, generator=gen),
                torch.arange(store.length, store.length + n).expand(2, -1),
            )
        leaving = torch.rand(store.in_warm.shape, generator=gen) < 0.3
        store.in_warm &= ~leaving  # in place: tier 1 drops some tokens to tier 2 alone
        got = kept.rows(store)
        want = BlockSummary(2, 8, "cpu", torch.float32, group).rows(store)
        for a, b in zip(got, want, strict=True):
            torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)
