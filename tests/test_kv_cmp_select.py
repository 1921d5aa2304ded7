"""CMP's selection choices on a tiny random Llama: dense lower layers, how a chunk's queries
pool their block scores, and decoded tokens sharing one recall."""

from __future__ import annotations

import pytest
import torch

from agentmem.errors import ConfigError
from agentmem.kv import get_policy
from agentmem.kv.tiers import ColdStore
from agentmem.llm.fakes import tiny_llm

pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def tiny():
    return tiny_llm(seed=7, num_hidden_layers=6)


@pytest.fixture(scope="module")
def ids():
    return torch.randint(0, 256, (1, 240), generator=torch.Generator().manual_seed(23)).tolist()[0]


def test_dense_layers_give_the_full_cache_output_there_and_keep_the_whole_cache_in_budget(
    tiny, ids
):
    full = tiny.session("full", 1.0, prefill_chunk=40)
    cmp = tiny.session(get_policy("cmp", dense_layers=1), 0.25, prefill_chunk=40)
    for s in (full, cmp):
        s.feed_ids(ids)
    probe = ids[5:17]
    _, ref = full.probe(probe)
    _, got = cmp.probe(probe)
    # hidden[1] leaves layer 0, which attended every token at full precision
    torch.testing.assert_close(got[1], ref[1], rtol=1e-5, atol=1e-5)
    assert not torch.allclose(got[-1], ref[-1], atol=1e-3)  # the sparse layers did compress
    dense, sparse = cmp.cache.states[0], cmp.cache.states[1]
    assert dense.length == cmp.cache.tokens_seen and "cmp" not in dense.extra
    assert sparse.length < cmp.cache.budget_tokens
    stats = cmp.stats()
    assert stats["device_kv_bytes"] <= stats["budget_tokens"] * cmp.cache.full_token_bytes()


def test_dense_layers_the_budget_cannot_hold_are_compressed_too(tiny, ids):
    cmp = tiny.session(get_policy("cmp", dense_layers=5), 0.125, prefill_chunk=40)
    cmp.feed_ids(ids)
    stats = cmp.stats()
    assert cmp.cache.states[0].length < cmp.cache.tokens_seen
    assert stats["device_kv_bytes"] <= stats["budget_tokens"] * cmp.cache.full_token_bytes()


def test_mean_pooling_prefers_the_block_every_query_reads_over_one_querys_spike():
    """Four queries; block A matches each of them moderately, block B matches only the first,
    strongly. The best single share is B's; the attention mass of the chunk is A's."""
    dim, block = 8, 2
    eye = torch.eye(dim)
    keys = eye[7].repeat(12, 1)  # blocks of filler orthogonal to every query
    keys[2:4] = eye[:4].sum(0) * 3.0  # block 1: A
    keys[8:10] = eye[0] * 6.0  # block 4: B
    query = eye[:4][None, None]  # (heads=1, group=1, q=4, d)
    chosen = {}
    for reduce in ("max", "mean"):
        store = ColdStore(1, dim, torch.float32, "cpu", block, None, "mean", share=True)
        store.reduce = reduce
        store.append(keys[None], keys[None].clone(), torch.arange(12)[None])
        store.in_warm.zero_()
        chosen[reduce] = (store.recall(query, 1)[3][0] // block).unique().tolist()
    assert chosen == {"max": [4], "mean": [1]}


def test_decoded_tokens_share_a_recall_for_reselect_tokens(tiny, ids):
    calls = {}
    for reselect in (0, 3):
        policy = get_policy("cmp", sinks=2, recent=8, reselect=reselect, representative="mean")
        s = tiny.session(policy, 0.25, prefill_chunk=40)
        s.feed_ids(ids)
        st = s.cache.states[1]
        store = st.extra["cmp"].cold
        count = []
        recall = store.recall
        store.recall = lambda *a, c=count, r=recall, **k: (c.append(1), r(*a, **k))[1]
        for token in range(6):
            s.feed_ids([token])
        calls[reselect] = len(count)
    # reselect=3: tokens 1-3 read the prefill's last selection, 4 selects, 5-6 read it (a warm
    # token dropped to the cold tier may force one more selection)
    assert calls[0] == 6 and 1 <= calls[3] <= 2


def test_bad_selection_settings_are_refused():
    with pytest.raises(ConfigError, match="recall_reduce"):
        get_policy("cmp", recall_reduce="sum")
    with pytest.raises(ConfigError, match="dense_layers"):
        get_policy("cmp", dense_layers=-1)
