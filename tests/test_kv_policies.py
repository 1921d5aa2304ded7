"""KV policies on a tiny random Llama: exactness at full budget, kept keys, positions, CMP tiers."""

from __future__ import annotations

import pytest
import torch

from agentmem.errors import ConfigError
from agentmem.kv import ManagedCache, get_policy, resolve_budget
from agentmem.kv.policies import POLICIES, Policy, register_policy
from agentmem.llm.fakes import tiny_llm
from agentmem.llm.session import token_spans

transformers = pytest.importorskip("transformers")

ALL = [
    "full", "streaming_llm", "h2o", "snapkv", "tova", "knorm", "expected_attention", "kvzip", "str",
    "cmp",
]  # fmt: skip


@pytest.fixture(scope="module")
def tiny():
    return tiny_llm()


@pytest.fixture(scope="module")
def ids():
    return torch.randint(0, 256, (1, 48), generator=torch.Generator().manual_seed(1))


def _reference(llm, ids):
    with torch.no_grad():
        return llm.model(ids).logits[0]


def test_registry_has_every_policy_and_refuses_duplicates():
    assert set(ALL) <= set(POLICIES)

    class Other(Policy):
        name = "full"

    with pytest.raises(ConfigError, match="already registered"):
        register_policy(Other)
    with pytest.raises(ConfigError, match="unknown KV policy"):
        get_policy("nope")
    with pytest.raises(ConfigError, match="bad parameters"):
        get_policy("h2o", nonsense=1)


def test_policy_config_round_trips():
    for name in ALL:
        policy = get_policy(name)
        assert get_policy(policy.to_dict()).to_dict() == policy.to_dict()


def test_budget_resolution():
    assert resolve_budget(0.25, 100) == 25
    assert resolve_budget(1.0, 7) == 7
    assert resolve_budget(30, 100) == 30
    with pytest.raises(ConfigError):
        resolve_budget(-3, 10)


@pytest.mark.parametrize("name", ALL)
def test_full_budget_equals_full_cache(tiny, ids, name):
    session = tiny.session(name, 10_000, prefill_chunk=16)
    logits = session.feed_ids(ids[0].tolist(), return_logits=True)
    torch.testing.assert_close(logits, _reference(tiny, ids), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", ALL[1:])
def test_budget_holds_during_prefill_and_decode(tiny, ids, name):
    session = tiny.session(name, 20, prefill_chunk=8)
    session.feed_ids(ids[0].tolist())
    for token in (5, 6, 7):
        session.feed_ids([token])
        stats = session.stats()
        assert stats["device_kv_bytes"] <= 20 * session.cache.full_token_bytes() * 1.0001
    assert stats["tokens_seen"] == 51


def test_kept_keys_are_the_chosen_ones_with_their_true_positions(tiny, ids):
    full = tiny.session("full", 1.0, prefill_chunk=0)
    full.feed_ids(ids[0].tolist())
    session = tiny.session("h2o", 1.0, prefill_chunk=0)
    session.feed_ids(ids[0].tolist())
    for st, ref in zip(session.cache.states, full.cache.states, strict=True):
        expected = torch.cat([st.stat[:, :36].topk(12).indices.sort().values,
                              torch.arange(36, 48).expand(2, -1)], dim=1)  # fmt: skip
        scores = st.stat.clone()
        session.policy.compress(st, 24)
        assert torch.equal(st.pos, expected)
        kept = ref.keys[0].gather(1, st.pos[:, :, None].expand(-1, -1, ref.keys.shape[-1]))
        torch.testing.assert_close(st.keys[0], kept, rtol=0, atol=1e-5)
        assert torch.equal(st.stat, scores.gather(1, expected))


def test_positions_continue_after_eviction(tiny, ids):
    """StreamingLLM keeps sinks + recent in every head: the next token must see exactly the
    logits of a full forward whose mask hides the evicted positions (true positions kept)."""
    sinks, budget = 4, 16
    session = tiny.session(get_policy("streaming_llm", sinks=sinks), budget, prefill_chunk=0)
    seq = ids[0].tolist()
    session.feed_ids(seq[:-1])
    assert session.cache.states[0].pos[0].tolist() == list(range(4)) + list(range(35, 47))
    logits = session.feed_ids(seq[-1:], return_logits=True)[-1]
    n = len(seq)
    visible = torch.zeros(n, dtype=torch.bool)
    visible[:sinks] = True
    visible[n - 1 - (budget - sinks) :] = True
    mask = torch.tril(torch.ones(n, n, dtype=torch.bool))
    mask[-1] = visible
    bias = torch.zeros(1, 1, n, n).masked_fill(~mask, float("-inf"))
    eager = transformers.LlamaForCausalLM(tiny.model.config).eval()
    eager.load_state_dict(tiny.model.state_dict())
    eager.config._attn_implementation = "eager"
    with torch.no_grad():
        ref = eager(ids, attention_mask=bias).logits[0, -1]
    torch.testing.assert_close(logits, ref, rtol=1e-4, atol=1e-4)


def test_decode_positions_are_true_positions(tiny, ids):
    session = tiny.session("tova", 10, prefill_chunk=0)
    session.feed_ids(ids[0].tolist())
    session.feed_ids([1])
    assert session.cache.states[0].last_position == 48
    assert int(session.cache.states[0].pos.max()) == 48


def test_managed_attention_is_undone(tiny, ids):
    before = tiny.model.config._attn_implementation
    session = tiny.session("h2o", 8)
    session.feed_ids(ids[0, :20].tolist())
    assert tiny.model.config._attn_implementation == before


def test_str_keeps_spans_whole(tiny):
    policy = get_policy("str", sinks=0, recent=0, key_norm=False)  # significance = the stat
    cache = ManagedCache(tiny.model.config, policy, 1.0)
    session_ids = list(range(12))
    spans = [0, 1, 1, 1, 2, 3, 3, 4, 5, 5, 5, 6]  # three multi-token "words"
    positions = cache.begin(12, "cpu", spans)
    from agentmem.kv.attention import managed_attention

    with managed_attention(tiny.model, cache), torch.no_grad():
        tiny.model(
            torch.tensor([session_ids]), position_ids=positions, past_key_values=cache.dynamic
        )
    cache.end(12)
    st = cache.states[0]
    st.stat = torch.zeros_like(st.stat)
    st.stat[:, 2] = 5.0  # one token of span 1 is significant: the whole span must stay
    st.stat[:, 9] = 4.0  # one token of span 5
    policy.compress(st, 6)
    for head in range(st.pos.shape[0]):
        assert st.pos[head].tolist() == [1, 2, 3, 8, 9, 10]


def test_str_persistence_sums_to_budget():
    policy = get_policy("str")
    scores = torch.randn(2, 50)
    p = policy.persistence(scores, 10)
    torch.testing.assert_close(p.sum(dim=1), torch.full((2,), 10.0), atol=1e-3, rtol=0)


def test_str_bernoulli_is_seeded(tiny, ids):
    kept = []
    for _ in range(2):
        session = tiny.session(get_policy("str", sampling="bernoulli", seed=3), 20, prefill_chunk=8)
        session.feed_ids(ids[0].tolist())
        kept.append(session.cache.states[1].pos.clone())
    assert torch.equal(kept[0], kept[1])


def test_token_spans_keep_words_and_numbers():
    text = "pass key 71432 ok"
    offsets = [(0, 2), (2, 4), (4, 8), (8, 9), (9, 11), (11, 14), (14, 17)]
    assert token_spans(text, offsets) == [0, 0, 1, 2, 3, 3, 4]
