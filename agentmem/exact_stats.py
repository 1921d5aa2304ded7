"""`statistics.pstdev` of floats, the same float, computed on integers.

`statistics.pstdev` is exact: it sums the data as fractions and rounds the square root of
the exact variance correctly. A search standardises two lists of scores with it, and its
fractions cost about a tenth of a search's ranking. A float is an integer over a power of
two, so over the largest denominator the sums are integer sums; the square root of the
resulting fraction, rounded correctly, is the float `statistics.pstdev` returns (there is
only one correctly rounded answer). The square root takes the integer square root with
extra bits and marks an inexact remainder in the lowest bit (round to odd), so the one
rounding to a float is correct; `statistics` does the same internally, privately.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence

_SQRT_BITS = 2 * sys.float_info.mant_dig + 3


def pstdev(scores: Sequence[float]) -> float:
    """The population standard deviation of finite floats, as `statistics.pstdev` gives it."""
    if not scores:
        raise ValueError("pstdev requires at least one data point")
    ratios = [s.as_integer_ratio() for s in scores]
    shift = max(d for _, d in ratios).bit_length() - 1  # every denominator is a power of two
    scaled = [n << (shift - d.bit_length() + 1) for n, d in ratios]
    count, total = len(scaled), sum(scaled)
    squares = sum(m * m for m in scaled)
    return _sqrt_of_fraction(count * squares - total * total, (count * count) << (2 * shift))


def _sqrt_of_fraction(n: int, m: int) -> float:
    """sqrt(n / m) as a float, correctly rounded (https://bugs.python.org/msg407078)."""
    q = (n.bit_length() - m.bit_length() - _SQRT_BITS) // 2
    if q >= 0:
        return float(_isqrt_round_to_odd(n, m << 2 * q) << q)
    return _isqrt_round_to_odd(n << -2 * q, m) / (1 << -q)


def _isqrt_round_to_odd(n: int, m: int) -> int:
    a = math.isqrt(n // m)
    return a | (a * a * m != n)
