"""STR's significance on a tiny random Llama: attention received and reconstruction importance,
spans kept whole, budget respected, and CMP's composed scorer unchanged without a rereader."""

from __future__ import annotations

import pytest
import torch

from agentmem.kv import get_policy
from agentmem.llm.fakes import tiny_llm

transformers = pytest.importorskip("transformers")

TEXT = (
    "Every morning the baker opens early. Her bread is warm and the street smells of it. "
    "The code for the back door is 58213, written on a card. Then she sweeps the floor, "
    "counts the coins and waits for the first customers of the day."
)


@pytest.fixture(scope="module")
def tiny():
    return tiny_llm(seed=7)


def test_reconstruction_importance_is_kvzips_measure(tiny):
    ours = tiny.session("str", 1.0, prefill_chunk=0)
    ours.feed(TEXT)
    ours.cache.policy.prepare(ours.cache, 10)
    theirs = tiny.session("kvzip", 1.0, prefill_chunk=0)
    theirs.feed(TEXT)
    theirs.cache.policy.prepare(theirs.cache, 10)
    for st, ref in zip(ours.cache.states, theirs.cache.states, strict=True):
        torch.testing.assert_close(st.extra["str_rec"].gather(1, st.pos), ref.stat)


def test_a_token_needed_to_reconstruct_stays_though_nothing_attends_to_it(tiny):
    policy = get_policy("str", pool_spans=False, key_norm=False)
    session = tiny.session(policy, 1.0, prefill_chunk=0)
    session.feed(TEXT)
    cache, policy = session.cache, session.cache.policy
    policy.prepare(cache, 30)
    for st in cache.states:
        rec = st.extra["str_rec"].gather(1, st.pos)
        rec = rec.masked_fill(policy.protected(st, 30), float("-inf"))
        needed = rec.argmax(dim=1)  # per head, the token repetition needs most
        st.stat.scatter_(1, needed[:, None], -1.0)  # ... and that attention ignores
        policy.compress(st, 30)
        assert st.length == 30
        assert all(int(needed[h]) in st.pos[h].tolist() for h in range(st.pos.shape[0]))


def test_spans_are_kept_whole_with_both_signals(tiny):
    session = tiny.session("str", 0.3, prefill_chunk=0)
    ids, spans, _ = session.encode_spans(TEXT)
    session.feed(TEXT)
    assert session.cache.states[0].extra.get("str_rec") is not None
    n, recent = len(ids), session.policy.recent
    for st in session.cache.states:
        assert st.length == session.cache.budget_tokens
        for head in range(st.pos.shape[0]):
            kept = set(st.pos[head].tolist())
            for span in set(spans):
                members = [i for i, s in enumerate(spans) if s == span]
                if min(members) < 4 or max(members) > n - recent:
                    continue  # sinks and recent window are kept by position
                assert {i in kept for i in members} in ({True}, {False}), (span, members)


def test_with_attention_only_significance_is_the_attention_ema(tiny):
    session = tiny.session(get_policy("str", key_norm=False), 1.0, prefill_chunk=0)
    session.cache.rereader = None
    session.feed(TEXT)
    session.cache.policy.prepare(session.cache, 10)
    st = session.cache.states[1]
    assert "str_rec" not in st.extra
    assert torch.equal(session.policy.significance(st), st.stat)


def test_cmp_composes_str_without_reconstruction(tiny):
    session = tiny.session("cmp", 0.25, prefill_chunk=16)
    session.feed(TEXT)
    assert all("str_rec" not in st.extra for st in session.cache.states)
    assert session.stats()["tiers"]["warm"] > 0


def test_a_small_key_norm_keeps_a_token_no_query_has_seen(tiny):
    session = tiny.session(
        get_policy("str", pool_spans=False, reconstruct=False, key_norm=True), 1.0
    )
    session.feed(TEXT)
    policy = session.policy
    for st in session.cache.states:
        norms = st.keys[0].norm(dim=-1).masked_fill(policy.protected(st, 30), float("inf"))
        smallest = norms.argmin(dim=1)
        st.stat.scatter_(1, smallest[:, None], -1.0)  # no attention received at all
        policy.compress(st, 30)
        assert all(int(smallest[h]) in st.pos[h].tolist() for h in range(st.pos.shape[0]))


def _disjoint_evidence(session, policy):
    """Attention favours the newest tokens, repetition the oldest: each signal alone would
    fill the budget from its own end of the cache."""
    for st in session.cache.states:
        n = st.length
        st.stat.copy_(st.pos.float() / n)
        table = torch.full((st.pos.shape[0], session.cache.tokens_seen), float("nan"))
        table.scatter_(1, st.pos, (n - st.pos).float())
        st.extra["str_rec"] = table
    return session.cache.states


@pytest.mark.parametrize("share", [1.0, 0.25])
def test_rec_share_is_reconstructions_claim_on_the_kept_slots(tiny, share):
    policy = get_policy("str", pool_spans=False, key_norm=False, sinks=0, recent=0, rec_share=share)
    session = tiny.session(policy, 1.0, prefill_chunk=0)
    session.feed(TEXT + " " + TEXT)
    budget = 60
    for st in _disjoint_evidence(session, policy):
        n = st.length
        policy.compress(st, budget)
        from_rec = (st.pos < n // 2).sum(dim=1).float()
        expected = budget * share / (1 + share)
        assert torch.all((from_rec - expected).abs() <= 2), (share, from_rec.tolist())


def test_a_budget_smaller_than_the_window_keeps_the_newest_tokens(tiny):
    session = tiny.session(get_policy("str", recent=16, sinks=2), 1.0, prefill_chunk=0)
    session.feed(TEXT[:60])
    newest = session.cache.tokens_seen - 1
    for st in session.cache.states:
        session.policy.compress(st, 8)
        assert st.length == 8
        assert all(newest - 3 in row and newest in row for row in st.pos.tolist()), st.pos


def test_without_a_window_every_slot_past_the_sinks_goes_by_significance(tiny):
    # STR reserves no recent window by default: at a small budget, the tokens kept besides the
    # four sinks are exactly the most significant, old or new.
    policy = get_policy("str", pool_spans=False)
    session = tiny.session(policy, 1.0, prefill_chunk=0)
    session.feed(TEXT)
    cache, policy = session.cache, session.cache.policy
    policy.prepare(cache, 16)
    for st in cache.states:
        significance = policy.significance(st).masked_fill(st.pos < 4, float("inf"))
        expected = significance.topk(16).indices
        policy.compress(st, 16)
        assert torch.equal(st.pos, expected.sort(dim=1).values), st.index


@pytest.mark.parametrize(("cap", "budget"), [(0.05, 60), (0.05, 20), (1.0, 60)])
def test_reconstruction_claims_at_most_rec_cap_of_the_text(tiny, cap, budget):
    # what only repetition needs is a part of the text: at a large budget reconstruction's
    # claim stops at rec_cap of the tokens, at a small one it keeps its equal share
    policy = get_policy("str", pool_spans=False, sinks=0, recent=0, rec_cap=cap)
    session = tiny.session(policy, 1.0, prefill_chunk=0)
    session.feed(TEXT + " " + TEXT)
    for st in _disjoint_evidence(session, policy):
        n = st.length
        policy.compress(st, budget)
        from_rec = (st.pos < n // 2).sum(dim=1).float()
        expected = min(budget / 2, cap * n)
        assert torch.all((from_rec - expected).abs() <= 2), (cap, budget, from_rec.tolist())


@pytest.mark.parametrize("prior", [4.0, 32.0])
def test_prior_queries_shrinks_a_new_tokens_first_measure_toward_uniform(tiny, prior):
    # one forward: token i of n is read by n - i queries; the prior adds ``prior`` readers
    # that attend uniformly (relative value 1), so thinly read tokens move most
    plain = tiny.session(get_policy("str"), 1.0, prefill_chunk=0)
    plain.feed(TEXT)
    shrunk = tiny.session(get_policy("str", prior_queries=prior), 1.0, prefill_chunk=0)
    shrunk.feed(TEXT)
    for st, ref in zip(shrunk.cache.states, plain.cache.states, strict=True):
        n = st.length
        seen = torch.arange(n, 0, -1, dtype=torch.float32)
        torch.testing.assert_close(st.stat, (ref.stat * seen + prior) / (seen + prior))
        newest = (ref.stat[:, -1] - 1.0).abs()
        assert torch.all((st.stat[:, -1] - 1.0).abs() < newest)


@pytest.mark.parametrize("peaks", [3, 8])
def test_mass_gives_a_peaked_evidence_its_peaks_and_a_flat_one_the_rest(tiny, peaks):
    # attention spread evenly (a shade more on newer tokens), repetition needing a few old
    # tokens far more than the rest: by mass repetition claims its peaks and no more, where
    # by rank it claims half of the slots whatever its spread
    budget = 40
    for combine, from_rec in (("mass", peaks), ("rank", budget // 2)):
        policy = get_policy("str", pool_spans=False, sinks=0, combine=combine)
        session = tiny.session(policy, 1.0, prefill_chunk=0)
        session.feed(TEXT + " " + TEXT)
        for st in session.cache.states:
            st.stat.copy_(1.0 + 1e-3 * st.pos.float() / st.length)
            table = torch.full((st.pos.shape[0], session.cache.tokens_seen), float("nan"))
            rec = torch.where(st.pos < peaks, 50.0, 0.01 + 1e-4 * (st.length - st.pos).float())
            st.extra["str_rec"] = table.scatter(1, st.pos, rec)
            n = st.length
            policy.compress(st, budget)
            kept_old = (st.pos < n // 2).sum(dim=1)
            assert torch.all((kept_old - from_rec).abs() <= 1), (combine, kept_old.tolist())
            assert torch.all((st.pos < peaks).sum(dim=1) == peaks)


def test_mass_with_key_norm_is_refused():
    from agentmem.errors import ConfigError

    with pytest.raises(ConfigError, match="combine='mass'"):
        get_policy("str", combine="mass", key_norm=True)
    with pytest.raises(ConfigError, match="'rank' or 'mass'"):
        get_policy("str", combine="sum")
