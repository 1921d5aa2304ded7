"""The Wilson interval of `bench kv`'s answer rates, and the share of the full cache's
answers a policy keeps (`kept_of_full`)."""

from __future__ import annotations

import pytest

from agentmem.bench.kv_tasks import wilson


def test_wilson_matches_published_values():
    # Newcombe (1998), table I: 0/10 -> (0, 0.2775); 1/29 -> (0.0061, 0.1718)
    assert wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson(1, 29) == pytest.approx((0.0061, 0.1718), abs=1e-4)


def test_wilson_stays_inside_the_unit_interval_and_brackets_the_rate():
    for k, n in ((0, 3), (3, 3), (2, 7), (9, 12)):
        low, high = wilson(k, n)
        assert 0.0 <= low <= k / n <= high <= 1.0


def test_kept_of_full_counts_only_the_cases_full_answers():
    from agentmem.bench.kv_tasks import kept_of_full

    answered = {("full", 1.0): {"accuracy": 1.0}, ("cmp", 0.125): {"accuracy": 0.0}}
    answered[("str", 0.25)] = {"accuracy": 1.0}
    assert kept_of_full(answered) == {("cmp", 0.125): 0.0, ("str", 0.25): 1.0}
    missed = {("full", 1.0): {"accuracy": 0.0}, ("cmp", 0.125): {"accuracy": 1.0}}
    assert kept_of_full(missed) == {}
    assert kept_of_full({("cmp", 0.125): {"accuracy": 1.0}}) == {}
