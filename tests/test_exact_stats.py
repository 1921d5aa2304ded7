"""`exact_stats.pstdev` must return the very float `statistics.pstdev` returns: search
scores are compared across versions bit for bit."""

from __future__ import annotations

import random
import statistics

import pytest

from agentmem.exact_stats import pstdev


def _lists(rng: random.Random):
    for _ in range(3000):
        n = rng.randint(1, 150)
        shape = rng.choice(["uniform", "tiny", "ties", "wide"])
        if shape == "uniform":
            yield [rng.random() for _ in range(n)]
        elif shape == "tiny":
            yield [rng.random() ** 12 for _ in range(n)]
        elif shape == "ties":
            yield [rng.choice([0.0, 0.25, 1.0, 1 / 3]) for _ in range(n)]
        else:
            yield [rng.uniform(-1e6, 1e6) for _ in range(n)]


def test_same_float_as_statistics():
    rng = random.Random(14)
    for scores in _lists(rng):
        assert pstdev(scores) == statistics.pstdev(scores), scores


def test_single_value_and_empty():
    assert pstdev([0.7]) == 0.0
    with pytest.raises(ValueError):
        pstdev([])
