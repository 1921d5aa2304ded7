"""Merging evicted tokens into kept ones (`agentmem.kv.policies.merging`) on a tiny random
Llama: a merged row takes the softmax weight of the rows it stands for, merging never acts
while nothing is evicted, and the masses are paid for within the budget."""

from __future__ import annotations

import pytest
import torch

from agentmem.errors import ConfigError
from agentmem.kv import get_policy
from agentmem.kv.policies.merging import merge_evicted
from agentmem.llm.fakes import tiny_llm

transformers = pytest.importorskip("transformers")

TEXT = (
    "On Tuesdays the ferry leaves at seven, and the harbour master logs every crate. "
    "Locker 4471 holds the spare rope; its combination was changed last spring. "
    "Gulls wait on the pier while the crew counts the barrels twice."
)
PROBE = " The locker number is"


@pytest.fixture(scope="module")
def tiny():
    return tiny_llm(seed=3)


def _fed(tiny, policy, budget=1.0, chunk=0):
    session = tiny.session(get_policy(policy), budget, prefill_chunk=chunk)
    ids, spans, _ = session.encode_spans(TEXT)
    logits = session.feed_ids(ids, spans, return_logits=True)
    return session, logits


def test_nothing_is_merged_at_the_full_budget(tiny):
    plain, plain_logits = _fed(tiny, "str", chunk=8)
    merged, merged_logits = _fed(tiny, "str_merge", chunk=8)
    assert torch.equal(plain_logits, merged_logits)
    assert all(st.log_mass is None for st in merged.cache.states)
    assert plain.cache.device_bytes() == merged.cache.device_bytes()


@pytest.mark.parametrize("kept_mass", [True, False])
def test_a_row_merged_into_an_identical_key_keeps_its_share_of_attention(tiny, kept_mass):
    """Rows i and j share a key: attention gives them exp(q.k) each, so one row of mass 2
    with their mean value is exact; dropping j without the mass is not."""
    intact, _ = _fed(tiny, "full")
    merged, _ = _fed(tiny, "full")
    i, j = 6, 17
    for a, b in zip(intact.cache.states, merged.cache.states, strict=True):
        for st in (a, b):
            st.layer.keys[0, :, j] = st.layer.keys[0, :, i]
        keep = torch.tensor([r for r in range(b.length) if r != j]).expand(b.pos.shape[0], -1)
        if kept_mass:
            merge_evicted(b, keep, target="key")
            assert torch.allclose(b.log_mass.exp()[:, i], torch.full((b.pos.shape[0],), 2.0))
        else:
            b.keep(keep)
    probe = merged.llm.tokenizer(PROBE, add_special_tokens=False)["input_ids"]
    reference, _ = intact.probe(probe)
    logits, _ = merged.probe(probe)
    close = torch.allclose(logits, reference, rtol=1e-4, atol=1e-4)
    assert close is kept_mass, float((logits - reference).abs().max())


def test_every_evicted_token_is_folded_in_by_position(tiny):
    policy = get_policy("str", merge="position", merge_weight="count")
    session, _ = _fed(tiny, policy, budget=0.3, chunk=8)
    seen = session.cache.tokens_seen
    for st in session.cache.states:
        assert st.length < seen
        torch.testing.assert_close(st.log_mass.exp().sum(dim=1), torch.full((2,), float(seen)))


@pytest.mark.parametrize("policy", ["str_merge", {"name": "str", "merge": "position"}])
def test_masses_are_paid_for_within_the_budget(tiny, policy):
    session, _ = _fed(tiny, get_policy(policy), budget=0.3, chunk=8)
    cache = session.cache
    assert all(st.log_mass is not None for st in cache.states)
    assert cache.device_bytes() <= cache.budget_tokens * cache.full_token_bytes()
    plain, _ = _fed(tiny, "str", budget=0.3, chunk=8)
    assert session.cache.states[0].length < plain.cache.states[0].length


def test_a_row_resembling_no_kept_key_is_dropped_unmerged(tiny):
    session, _ = _fed(tiny, get_policy("str", merge="key", merge_min_sim=1.0), 0.3, chunk=8)
    for st in session.cache.states:  # cosine 1 only for identical directions: nothing merges
        assert torch.equal(st.log_mass, torch.zeros_like(st.log_mass))


def test_an_unknown_merge_is_refused():
    with pytest.raises(ConfigError, match="merge"):
        get_policy("str", merge="nearest")
    with pytest.raises(ConfigError, match="merge_weight"):
        get_policy("str", merge="key", merge_weight="norm")
