"""Tests and intervals for outcome rates: Fisher's exact test, risk ratios, BH q-values.

Example:
    >>> import numpy as np
    >>> p = fisher_upper(np.array([8]), np.array([10]), np.array([20]), np.array([100]))
    >>> round(float(p[0]), 8)
    2.378e-05
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import gammaln, ndtri

FloatArray = NDArray[np.float64]


def _log_choose(n: FloatArray, k: FloatArray) -> FloatArray:
    return np.asarray(gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1), dtype=np.float64)


def hypergeom_logpmf(
    x: FloatArray, n: FloatArray, big_k: FloatArray, big_n: FloatArray
) -> FloatArray:
    """log P(X = x) for X ~ Hypergeometric(population N, successes K, draws n)."""
    return _log_choose(big_k, x) + _log_choose(big_n - big_k, n - x) - _log_choose(big_n, n)


#: Above this many orders the compiled tail of scipy.stats is used (same values; see tests).
LARGE_POPULATION = 200_000


def fisher_upper(k: ArrayLike, n: ArrayLike, big_k: ArrayLike, big_n: ArrayLike) -> FloatArray:
    """One-sided exact p-value P(X ≥ k) that a segment of ``n`` orders holds ``k`` or more of the
    scope's ``K`` outcomes among ``N`` orders (Fisher's exact test, "rate is higher").

    Vectorised: the tail is summed term by term with the pmf ratio, from ``k`` upward when ``k``
    is above the mean (terms shrink geometrically) and as 1 − P(X ≤ k − 1) otherwise, so every
    sum runs away from the mode and converges in a few standard deviations.
    """
    k_, n_, kk, nn = (np.asarray(a, dtype=np.float64) for a in (k, n, big_k, big_n))
    k_, n_, kk, nn = np.broadcast_arrays(k_, n_, kk, nn)
    if k_.size and float(np.max(nn)) > LARGE_POPULATION:
        # many tables over a large population: the compiled hypergeometric tail is faster
        # than the term-by-term sum (imported here so small answers start up fast)
        from scipy.stats import hypergeom

        return np.asarray(np.clip(hypergeom.sf(k_ - 1, nn, kk, n_), 0.0, 1.0), dtype=np.float64)
    lo = np.maximum(0.0, n_ + kk - nn)
    hi = np.minimum(n_, kk)
    mean = np.where(nn > 0, n_ * kk / np.maximum(nn, 1.0), 0.0)
    upper = k_ > mean
    out = np.ones_like(k_)
    # upper tail from k
    start = np.clip(k_, lo, hi)
    out_upper = _tail_sum(start, hi, n_, kk, nn, step=1.0)
    # lower tail up to k-1, complemented
    start_lo = np.clip(k_ - 1.0, lo, hi)
    lower = _tail_sum(start_lo, lo, n_, kk, nn, step=-1.0)
    lower = np.where(k_ - 1.0 < lo, 0.0, lower)
    out = np.where(upper, out_upper, 1.0 - lower)
    out = np.where(k_ > hi, 0.0, out)
    out = np.where(k_ <= lo, 1.0, out)
    return np.clip(out, 0.0, 1.0)


def _tail_sum(
    start: FloatArray,
    stop: FloatArray,
    n: FloatArray,
    kk: FloatArray,
    nn: FloatArray,
    *,
    step: float,
) -> FloatArray:
    """Sum of pmf from ``start`` towards ``stop`` (inclusive), stepping ±1, vectorised."""
    term = np.exp(hypergeom_logpmf(start, n, kk, nn))
    total = term.copy()
    x = start.copy()
    active = (x != stop) & (term > 0)
    for _ in range(1_000_000):
        if not active.any():
            break
        idx = np.nonzero(active)[0]
        xi = x[idx]
        if step > 0:
            ratio = (
                (n[idx] - xi)
                * (kk[idx] - xi)
                / ((xi + 1.0) * (nn[idx] - kk[idx] - n[idx] + xi + 1.0))
            )
        else:
            ratio = (xi * (nn[idx] - kk[idx] - n[idx] + xi)) / (
                (n[idx] - xi + 1.0) * (kk[idx] - xi + 1.0)
            )
        t = term[idx] * ratio
        term[idx] = t
        total[idx] += t
        x[idx] = xi + step
        done = (x[idx] == stop[idx]) | (t <= total[idx] * 1e-16) | ~np.isfinite(t)
        active[idx[done]] = False
    return total


def risk_ratio(
    k: ArrayLike, n: ArrayLike, k0: ArrayLike, n0: ArrayLike, *, level: float = 0.95
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Risk ratio (k/n)/(k0/n0) with its Katz log interval; 0.5 is added to every cell of a
    table with a zero cell (Haldane), so the interval always exists."""
    a, n1, c, n2 = (np.asarray(v, dtype=np.float64) for v in (k, n, k0, n0))
    zero = (a == 0) | (c == 0) | (a == n1) | (c == n2)
    a2 = np.where(zero, a + 0.5, a)
    c2 = np.where(zero, c + 0.5, c)
    n1b = np.where(zero, n1 + 1.0, n1)
    n2b = np.where(zero, n2 + 1.0, n2)
    rr = (a2 / n1b) / (c2 / n2b)
    se = np.sqrt(1.0 / a2 - 1.0 / n1b + 1.0 / c2 - 1.0 / n2b)
    z = float(ndtri(0.5 + level / 2.0))
    return rr, rr * np.exp(-z * se), rr * np.exp(z * se)


def bh_qvalues(p: ArrayLike) -> FloatArray:
    """Benjamini–Hochberg adjusted p-values (q-values), in the input order."""
    pv = np.asarray(p, dtype=np.float64)
    m = pv.size
    if m == 0:
        return pv
    order = np.argsort(pv)
    ranked = pv[order] * m / np.arange(1, m + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(q, 1.0)
    return out


def wilson_interval(
    k: ArrayLike, n: ArrayLike, *, level: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Wilson score interval for a proportion k/n."""
    kk, nn = (np.asarray(v, dtype=np.float64) for v in (k, n))
    z = float(ndtri(0.5 + level / 2.0))
    p = np.where(nn > 0, kk / np.maximum(nn, 1.0), 0.0)
    denom = 1.0 + z * z / np.maximum(nn, 1.0)
    centre = (p + z * z / (2 * np.maximum(nn, 1.0))) / denom
    half = (
        z
        * np.sqrt(p * (1 - p) / np.maximum(nn, 1.0) + z * z / (4 * np.maximum(nn, 1.0) ** 2))
        / denom
    )
    return centre - half, centre + half
