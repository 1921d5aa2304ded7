"""STR's pending tokens on a tiny random Llama: the newest tokens no repetition has judged yet
(a question, the reply being decoded) are held while they fit ``hold_pending`` of the budget,
judged by a repetition once they do not, and the budget holds throughout."""

from __future__ import annotations

import pytest

from agentmem.errors import ConfigError
from agentmem.kv import get_policy
from agentmem.llm.fakes import tiny_llm

transformers = pytest.importorskip("transformers")

STORY = (
    "The harbour master keeps a ledger of every boat that docks. On Tuesday the ferry came "
    "in late, and the fisherman who owns the red trawler paid 7403 coins for a berth near the "
    "lighthouse, then slept on deck until the tide turned and the gulls woke him."
)
QUESTION = "\nHow much did he pay?"


@pytest.fixture(scope="module")
def tiny():
    return tiny_llm(seed=3)


def _positions(session) -> list[list[set[int]]]:
    return [[set(row) for row in st.pos.tolist()] for st in session.cache.states]


def test_the_question_and_the_reply_survive_a_small_budget(tiny):
    session = tiny.session("str", 0.25, prefill_chunk=0)
    session.feed(STORY)
    first = session.tokens_seen
    assert session.cache.states[0].extra["str_rec_upto"] == first  # the story was repeated
    session.feed(QUESTION)
    steps = 0
    for _ in session.decode(6):
        steps += 1
        newest = set(range(first, session.tokens_seen))
        budget = session.cache.budget_tokens
        ahead = int(session.policy.slack * budget)  # evicted ahead of the next tokens
        for layer in _positions(session):
            for row in layer:
                assert newest <= row
                assert budget - ahead <= len(row) <= budget
    assert steps == 6
    assert session.tokens_seen - first <= session.policy.held(session.cache.budget_tokens)


def test_more_pending_than_the_hold_are_repeated_before_the_next_compression(tiny):
    session = tiny.session("str", 20, prefill_chunk=0)
    session.feed(STORY)
    policy = session.policy
    assert policy.held(20) == 10
    session.feed(" Then he sailed north.")  # 22 tokens: over the hold, under min_pass
    for st in session.cache.states:
        assert st.extra["str_rec_upto"] == session.tokens_seen
        assert st.length == 20


def test_without_a_hold_pending_tokens_wait_for_min_pass(tiny):
    session = tiny.session(get_policy("str", hold_pending=0.0), 20, prefill_chunk=0)
    session.feed(STORY)
    upto = session.tokens_seen
    session.feed(" Then he sailed north.")
    assert all(st.extra["str_rec_upto"] == upto for st in session.cache.states)
    assert all(not session.policy.protected(st, 20)[:, 4:].any() for st in session.cache.states)


@pytest.mark.parametrize("budget", [2, 5, 9])
def test_sinks_and_held_tokens_never_outnumber_a_tiny_budget(tiny, budget):
    session = tiny.session("str", budget, prefill_chunk=7)
    session.feed(STORY)
    session.feed(QUESTION)
    for _ in session.decode(3):
        for st in session.cache.states:
            assert st.length == budget
            assert int(session.policy.protected(st, budget).sum(dim=1).max()) <= budget


def test_hold_pending_over_one_is_refused():
    with pytest.raises(ConfigError, match="hold_pending"):
        get_policy("str", hold_pending=1.5)


@pytest.mark.parametrize("slack", [0.0, 0.25])
def test_decoded_tokens_select_once_per_slack_not_once_per_token(tiny, slack):
    """Each selection rescores the whole cache: with ``slack`` a decoded token's overflow
    evicts that share of the budget, so the next selections are that many tokens apart; with
    none, every decoded token selects."""
    session = tiny.session(get_policy("str", slack=slack), 40, prefill_chunk=0)
    session.feed(STORY)
    selections = []
    select = session.policy.select

    def counted(state, scores, budget):
        selections.append(state.index)
        return select(state, scores, budget)

    session.policy.select = counted
    steps = 0
    for _ in session.decode(12):
        steps += 1
    per_layer = selections.count(0)
    if slack:
        assert per_layer <= -(-steps // int(slack * 40))  # one per 10 decoded tokens at most
    else:
        assert per_layer == steps
    assert all(st.length <= 40 for st in session.cache.states)


def test_a_slack_outside_zero_to_one_is_refused():
    with pytest.raises(ConfigError, match="slack"):
        get_policy("str", slack=1.5)
