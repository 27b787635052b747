"""Differences in mean delay and rank tests, from per-group sums the engine computed.

A segment's delay is compared with the rest of the scope by Welch's interval for the difference
in means (from count, sum and sum of squares) and by the Mann–Whitney rank test (from the sum of
the segment's ranks over the scope, with the usual tie correction and normal approximation).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtr

from dfras.stats.proportions import two_sided_z

FloatArray = NDArray[np.float64]


def welch_difference(
    n1: ArrayLike,
    s1: ArrayLike,
    ss1: ArrayLike,
    n2: ArrayLike,
    s2: ArrayLike,
    ss2: ArrayLike,
    *,
    level: float = 0.95,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Difference of means (group 1 − group 2) with a normal-approximation Welch interval."""
    a1, b1, c1, a2, b2, c2 = (np.asarray(v, dtype=np.float64) for v in (n1, s1, ss1, n2, s2, ss2))
    m1 = b1 / np.maximum(a1, 1.0)
    m2 = b2 / np.maximum(a2, 1.0)
    v1 = np.maximum(c1 - a1 * m1 * m1, 0.0) / np.maximum(a1 - 1.0, 1.0)
    v2 = np.maximum(c2 - a2 * m2 * m2, 0.0) / np.maximum(a2 - 1.0, 1.0)
    se = np.sqrt(v1 / np.maximum(a1, 1.0) + v2 / np.maximum(a2, 1.0))
    z = two_sided_z(level)
    diff = m1 - m2
    return diff, diff - z * se, diff + z * se


def mann_whitney_upper(
    rank_sum: ArrayLike, n1: ArrayLike, n_total: ArrayLike, tie_term: ArrayLike
) -> FloatArray:
    """One-sided p-value that the segment's values tend to be larger than the rest's.

    ``rank_sum`` is the sum of the segment's (mid-)ranks among all ``n_total`` values;
    ``tie_term`` is Σ(t³ − t) over tie groups of the whole scope.
    """
    r, a, n, t = (np.asarray(v, dtype=np.float64) for v in (rank_sum, n1, n_total, tie_term))
    b = n - a
    u = r - a * (a + 1.0) / 2.0
    mu = a * b / 2.0
    var = a * b / 12.0 * ((n + 1.0) - t / np.maximum(n * (n - 1.0), 1.0))
    z = (u - mu - 0.5) / np.sqrt(np.maximum(var, 1e-12))
    p = 1.0 - ndtr(z)
    return np.asarray(np.where((a > 0) & (b > 0), p, 1.0), dtype=np.float64)
