"""The Wilson interval that `bench kv` reports beside each accuracy."""

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
