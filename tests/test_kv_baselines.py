"""Knorm, Expected Attention and KVzip on a tiny random Llama, each checked against a direct
computation from the model (eager attention weights, the layer's own query projection)."""

from __future__ import annotations

import pytest
import torch

from agentmem.kv import get_policy
from agentmem.kv.policies.reconstruction import REPEAT_FIRST, REPEAT_NEXT
from agentmem.llm.fakes import tiny_llm

transformers = pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def tiny():
    return tiny_llm(seed=4)


@pytest.fixture(scope="module")
def ids():
    return torch.randint(0, 256, (40,), generator=torch.Generator().manual_seed(11)).tolist()


def _eager_attentions(llm, seq):
    eager = transformers.LlamaForCausalLM(llm.model.config).eval()
    eager.load_state_dict(llm.model.state_dict())
    eager.config._attn_implementation = "eager"
    with torch.no_grad():
        out = eager(torch.tensor([seq]), output_attentions=True)
    return out.attentions  # per layer (1, q_heads, L, L)


def test_knorm_keeps_the_smallest_norm_keys(tiny, ids):
    session = tiny.session("knorm", 1.0, prefill_chunk=0)
    session.feed_ids(ids)
    for st in session.cache.states:
        norms = st.keys[0].norm(dim=-1)
        expected = (-norms).topk(10).indices.sort().values
        session.policy.compress(st, 10)
        assert torch.equal(st.pos, expected)


def test_kvzip_scores_are_the_max_attention_while_repeating(tiny, ids):
    session = tiny.session("kvzip", 1.0, prefill_chunk=0)
    session.feed_ids(ids)
    cache = session.cache
    keys_before = [st.keys.clone() for st in cache.states]
    cache.policy.prepare(cache, 10)
    repeat = tiny.tokenizer(REPEAT_FIRST)["input_ids"] + tiny.tokenizer("\n")["input_ids"] + ids
    attn = _eager_attentions(tiny, ids + repeat)
    n, kv_heads = len(ids), cache.kv_heads
    for st, weights, before in zip(cache.states, attn, keys_before, strict=True):
        rows = weights[0, :, n:, :n]  # repeating queries over the context
        expected = rows.reshape(kv_heads, -1, rows.shape[1], n).amax(dim=(1, 2))
        torch.testing.assert_close(st.stat, expected, rtol=1e-4, atol=1e-6)
        assert st.length == n and torch.equal(st.keys, before)  # the pass left nothing behind
    assert cache.tokens_seen == n and len(cache.fed_ids) == n


def test_kvzip_chunks_renormalise_over_sinks_chunk_and_repeat(tiny, ids):
    session = tiny.session("kvzip", 1.0, prefill_chunk=0, chunk_size=16)
    session.feed_ids(ids)
    cache = session.cache
    cache.policy.prepare(cache, 10)
    n, lo, hi = len(ids), 16, 32
    tok = tiny.tokenizer
    repeat = tok(REPEAT_NEXT)["input_ids"] + ids[lo - 8 : lo] + tok("\n")["input_ids"]
    repeat += ids[lo:hi]
    weights_by_layer = _eager_attentions(tiny, ids + repeat)
    cols = torch.zeros(n + len(repeat), dtype=torch.bool)
    cols[:4] = cols[lo:hi] = cols[n:] = True
    for st, weights in zip(cache.states, weights_by_layer, strict=True):
        rows = weights[0, :, n:, :]
        rows = rows * cols / (rows * cols).sum(-1, keepdim=True)
        expected = rows[..., lo:hi].reshape(cache.kv_heads, -1, hi - lo).amax(dim=1)
        torch.testing.assert_close(st.stat[:, lo:hi], expected, rtol=1e-4, atol=1e-6)


def test_kvzip_keeps_the_best_reconstructed_within_budget(tiny, ids):
    session = tiny.session("kvzip", 12, prefill_chunk=0)
    session.feed_ids(ids)
    reference = tiny.session("kvzip", 1.0, prefill_chunk=0)
    reference.feed_ids(ids)
    reference.cache.policy.prepare(reference.cache, 12)
    for st, ref in zip(session.cache.states, reference.cache.states, strict=True):
        scores = ref.stat.masked_fill(ref.pos < 4, float("inf"))
        assert torch.equal(st.pos, scores.topk(12).indices.sort().values)
    for token in (3, 4, 5):  # question tokens wait, kept, until a pass covers them
        session.feed_ids([token])
        assert {40, 41, 42} & set(session.cache.states[0].pos[0].tolist()) == set(
            range(40, 41 + token - 3)
        )
        assert session.cache.states[0].length == 12


def test_expected_attention_recovers_the_queries_before_rope(tiny, ids):
    captured = {}
    layer = tiny.model.model.layers[1].self_attn

    def keep_input(module, args, kwargs):
        captured.setdefault("h", kwargs["hidden_states"])

    hook = layer.register_forward_pre_hook(keep_input, with_kwargs=True)
    try:
        session = tiny.session("expected_attention", 1.0, prefill_chunk=0)
        session.feed_ids(ids)
    finally:
        hook.remove()
    q = layer.q_proj(captured["h"])[0].view(len(ids), -1, layer.head_dim).transpose(0, 1)
    q = q[:, 4:].detach()  # the sinks' queries are left out
    ea = session.cache.states[1].extra["ea"]
    torch.testing.assert_close(ea["sum"] / ea["count"], q.mean(1), rtol=1e-4, atol=1e-5)
    centred = q - q.mean(1, keepdim=True)
    cov = centred.transpose(1, 2) @ centred / q.shape[1]
    got = (
        ea["outer"] / ea["count"]
        - (ea["sum"] / ea["count"])[:, :, None] * (ea["sum"] / ea["count"])[:, None, :]
    )
    torch.testing.assert_close(got, cov, rtol=1e-3, atol=1e-4)


def test_expected_attention_keeps_sinks_and_high_expected_attention(tiny, ids):
    session = tiny.session("expected_attention", 1.0, prefill_chunk=0)
    session.feed_ids(ids)
    for st in session.cache.states:
        scores = session.policy.score(st)
        expected = scores.masked_fill(st.pos < 4, float("inf")).topk(12).indices.sort().values
        session.policy.compress(st, 12)
        assert torch.equal(st.pos, expected)
        assert (st.pos[:, :4] == torch.arange(4)).all()


@pytest.mark.parametrize(
    "name, params", [("snapkv", {}), ("h2o", {}), ("streaming_llm", {}), ("str", {"recent": 32})]
)
def test_a_window_wider_than_the_budget_keeps_the_newest_tokens(tiny, ids, name, params):
    # SnapKV's 32-token observation window against a 12-token budget: the window cannot all
    # stay, and what stays of it must be its newest tokens (the next query reads them first).
    # STR reserves no window unless asked for one.
    session = tiny.session(get_policy(name, **params), 12, prefill_chunk=0)
    session.feed_ids(ids)
    newest = set(range(len(ids) - 4, len(ids)))
    for st in session.cache.states:
        assert st.length == 12
        for row in st.pos.tolist():
            assert newest <= set(row), (name, st.index, row)


def test_snapkv_votes_choose_half_of_a_budget_smaller_than_its_window(tiny, ids):
    # A budget below the 32-token observation window (every budget early in a text compressed
    # chunk by chunk): the newest half stays, the rest goes to the most voted older tokens --
    # the window's attention averaged over its queries and the head group, average-pooled over
    # five neighbours -- computed here from the model's eager attention weights.
    session = tiny.session("snapkv", 1.0, prefill_chunk=0)
    session.feed_ids(ids)
    attn = _eager_attentions(tiny, ids)
    n, budget, newest = len(ids), 12, 6
    for st, weights in zip(session.cache.states, attn, strict=True):
        votes = weights[0, :, n - 32 :, :].sum(dim=1)  # (q_heads, n)
        votes = votes.reshape(st.pos.shape[0], -1, n).sum(dim=1)
        pooled = torch.nn.functional.avg_pool1d(votes[None], 5, stride=1, padding=2)[0]
        older = pooled[:, : n - newest].topk(budget - newest).indices
        expected = torch.cat([older, torch.arange(n - newest, n).expand(len(older), -1)], 1)
        session.policy.compress(st, budget)
        assert torch.equal(st.pos, expected.sort(dim=1).values), st.index
