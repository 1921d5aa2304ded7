"""The observed attention path: several query chunks in one forward, extras sharing a softmax."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F

from agentmem.kv.attention import QUERY_CHUNK, _attend_observed, _causal
from agentmem.kv.policies.base import Policy
from agentmem.llm.fakes import tiny_llm

pytest.importorskip("transformers")

# the layer state these fakes read: rows of one token each (nothing merged into them)
_UNMERGED = SimpleNamespace(row_log_mass=lambda: None)


def test_multi_chunk_forward_equals_the_models_attention():
    llm = tiny_llm()
    n = 2 * QUERY_CHUNK + 37  # three query chunks, the last one partial
    ids = torch.randint(0, 256, (1, n), generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        reference = llm.model(ids).logits[0]
    for policy in ("h2o", "str"):  # both read every chunk's attention weights
        session = llm.session(policy, 10_000, prefill_chunk=0)
        logits = session.feed_ids(ids[0].tolist(), return_logits=True)
        torch.testing.assert_close(logits, reference, rtol=1e-4, atol=1e-4)


class _Extras(Policy):
    """Keys beside the cache (some masked out), as CMP's tiers give them; keeps the weights it
    is shown."""

    needs_attention = True

    def __init__(self, keys, values, mask):
        bias = torch.zeros(mask.shape).masked_fill(~mask, float("-inf"))  # `Policy.extra_kv`
        self.kv, self.seen, self.extra_seen, self.lse = (keys, values, bias), [], [], []

    def has_extra(self, state) -> bool:
        return True

    def extra_kv(self, state, query, lse=None):
        self.lse.append(lse)
        return self.kv

    def observe_extra(self, state, probs, q_start, q_total) -> None:
        self.extra_seen.append(probs.clone())

    def observe(self, state, probs, q_start, q_total) -> None:
        self.seen.append(probs.clone())


def test_extra_keys_share_one_softmax_with_the_cache():
    """Extras and cached keys are attended as one key set: the output is softmax attention over
    their concatenation (masked extras and the causal mask respected), and the weights the
    policy is shown sum to one per query over both."""
    gen = torch.Generator().manual_seed(2)
    kv_heads, group, q, n, m, d = 3, 2, 5, 11, 4, 8
    query = torch.randn(1, kv_heads * group, q, d, generator=gen)
    key, value = torch.randn(2, 1, kv_heads, n, d, generator=gen)
    ek, ev = torch.randn(2, 1, kv_heads, m, d, generator=gen)
    emask = torch.ones(kv_heads, m, dtype=torch.bool)
    emask[0, 1] = False
    policy = _Extras(ek, ev, emask)
    out = _attend_observed(SimpleNamespace(policy=policy), _UNMERGED, query, key, value, d**-0.5)
    keys = torch.cat([ek, key], 2).repeat_interleave(group, 1)
    values = torch.cat([ev, value], 2).repeat_interleave(group, 1)
    mask = torch.cat(
        [emask[:, None, :].expand(-1, q, -1), _causal(q, n, 0, q, "cpu").expand(kv_heads, -1, -1)],
        -1,
    ).repeat_interleave(group, 0)
    expected = F.scaled_dot_product_attention(query, keys, values, attn_mask=mask, scale=d**-0.5)
    torch.testing.assert_close(out, expected)
    shown, extra = torch.cat(policy.seen, 2), torch.cat(policy.extra_seen, 2)
    torch.testing.assert_close(shown.sum(-1) + extra.sum(-1), torch.ones(kv_heads, group, q))
    assert (extra[0, :, :, 1] == 0).all() and (extra[1:, :, :, 1] > 0).all()


class _Resident(_Extras):
    """Resident keys (attended by every query) besides per-chunk extras, as CMP's warm tier."""

    def __init__(self, resident, keys, values, mask):
        super().__init__(keys, values, mask)
        self.resident = resident

    def resident_kv(self, state):
        return self.resident


@pytest.mark.parametrize("q", [1, 3])
def test_resident_keys_come_first_and_a_single_query_hands_over_its_normaliser(q):
    """Order [resident, extras, cache] under one softmax, as one key set would give; for a
    single query the policy is handed the log-sum-exp of its scaled logits over the resident
    and cached keys (what CMP's recall measures a block's share against), for a chunk none."""
    gen = torch.Generator().manual_seed(3)
    kv_heads, group, n, w, m, d = 2, 3, 9, 4, 5, 8
    query = torch.randn(1, kv_heads * group, q, d, generator=gen)
    key, value = torch.randn(2, 1, kv_heads, n, d, generator=gen)
    rk, rv = torch.randn(2, 1, kv_heads, w, d, generator=gen)
    ek, ev = torch.randn(2, 1, kv_heads, m, d, generator=gen)
    emask = torch.ones(kv_heads, m, dtype=torch.bool)
    emask[1, 0] = False
    policy = _Resident((rk, rv), ek, ev, emask)
    out = _attend_observed(SimpleNamespace(policy=policy), _UNMERGED, query, key, value, d**-0.5)
    keys = torch.cat([rk, ek, key], 2).repeat_interleave(group, 1)
    values = torch.cat([rv, ev, value], 2).repeat_interleave(group, 1)
    mask = torch.cat(
        [
            torch.ones(kv_heads, q, w, dtype=torch.bool),
            emask[:, None, :].expand(-1, q, -1),
            _causal(q, n, 0, q, "cpu").expand(kv_heads, -1, -1),
        ],
        -1,
    ).repeat_interleave(group, 0)
    expected = F.scaled_dot_product_attention(query, keys, values, attn_mask=mask, scale=d**-0.5)
    torch.testing.assert_close(out, expected)
    assert torch.cat(policy.extra_seen, 2).shape[-1] == w + m
    (lse,) = policy.lse
    if q > 1:
        assert lse is None
    else:
        device = torch.cat([rk, key], 2)[0]  # (kv_heads, w + n, d)
        logits = query[0].view(kv_heads, group, d) @ device.transpose(1, 2) * d**-0.5
        torch.testing.assert_close(lse, logits.logsumexp(-1, keepdim=True))
