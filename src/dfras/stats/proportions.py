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

# scipy.special is imported where it is used: it is the slowest import on the way of every
# command that reaches this module without testing anything (an import evaluating its alert
# rules, for one), about a fifth of a second.

FloatArray = NDArray[np.float64]


def two_sided_z(level: float) -> float:
    """The normal quantile of a two-sided interval at ``level`` (1.96 for 0.95)."""
    from scipy.special import ndtri

    return float(ndtri(0.5 + level / 2.0))


def _log_choose(n: FloatArray, k: FloatArray) -> FloatArray:
    from scipy.special import gammaln

    return np.asarray(gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1), dtype=np.float64)


def hypergeom_logpmf(
    x: FloatArray, n: FloatArray, big_k: FloatArray, big_n: FloatArray
) -> FloatArray:
    """log P(X = x) for X ~ Hypergeometric(population N, successes K, draws n)."""
    return _log_choose(big_k, x) + _log_choose(big_n - big_k, n - x) - _log_choose(big_n, n)


#: Tables whose normal-approximation p-value is above this are not summed exactly: at a false
#: discovery rate of at most 5% they can never be significant, nor pull another hypothesis's
#: Benjamini–Hochberg q-value below it; and the exact tail of a large table takes many terms.
#: Everything below is exact.
EXACT_BELOW = 0.1


def fisher_upper(
    k: ArrayLike, n: ArrayLike, big_k: ArrayLike, big_n: ArrayLike, *, exact: bool = False
) -> FloatArray:
    """One-sided p-value P(X ≥ k) that a segment of ``n`` orders holds ``k`` or more of the
    scope's ``K`` outcomes among ``N`` orders (Fisher's exact test, "rate is higher").

    Exact for every p-value below ``EXACT_BELOW`` (and for all with ``exact=True``): the tail
    is summed term by term with the pmf ratio, from ``k`` upward when ``k`` is above the mean
    (terms shrink geometrically) and as 1 − P(X ≤ k − 1) otherwise, so every sum runs away
    from the mode. Larger p-values come from the continuity-corrected normal approximation.
    """
    k_, n_, kk, nn = (np.asarray(a, dtype=np.float64) for a in (k, n, big_k, big_n))
    k_, n_, kk, nn = np.broadcast_arrays(k_, n_, kk, nn)
    k_, n_, kk, nn = (np.array(a, dtype=np.float64) for a in (k_, n_, kk, nn))
    out = np.ones(k_.shape, dtype=np.float64)
    if k_.size == 0:
        return out
    if exact:
        return _fisher_exact_upper(k_, n_, kk, nn)
    mean = np.where(nn > 0, n_ * kk / np.maximum(nn, 1.0), 0.0)
    var = np.where(
        nn > 1,
        n_
        * (kk / np.maximum(nn, 1.0))
        * (1 - kk / np.maximum(nn, 1.0))
        * (nn - n_)
        / np.maximum(nn - 1, 1.0),
        0.0,
    )
    from scipy.special import ndtr

    approx = 1.0 - ndtr((k_ - 0.5 - mean) / np.sqrt(np.maximum(var, 1e-12)))
    close = (var < 9.0) | (approx <= EXACT_BELOW)
    out = np.where(close, 0.0, np.clip(approx, 0.0, 1.0))
    if close.any():
        idx = np.nonzero(close)[0] if out.ndim == 1 else None
        if idx is not None:
            out[idx] = _fisher_exact_upper(k_[idx], n_[idx], kk[idx], nn[idx])
        else:
            out = np.where(close, _fisher_exact_upper(k_, n_, kk, nn), out)
    return out


def _fisher_exact_upper(
    k_: FloatArray, n_: FloatArray, kk: FloatArray, nn: FloatArray
) -> FloatArray:
    """The exact tail (see :func:`fisher_upper`)."""
    lo = np.maximum(0.0, n_ + kk - nn)
    hi = np.minimum(n_, kk)
    mean = np.where(nn > 0, n_ * kk / np.maximum(nn, 1.0), 0.0)
    upper = k_ > mean
    start = np.clip(k_, lo, hi)
    out_upper = _tail_sum(start, hi, n_, kk, nn, step=1.0)
    start_lo = np.clip(k_ - 1.0, lo, hi)
    lower = _tail_sum(start_lo, lo, n_, kk, nn, step=-1.0)
    lower = np.where(k_ - 1.0 < lo, 0.0, lower)
    out = np.where(upper, out_upper, 1.0 - lower)
    out = np.where(k_ > hi, 0.0, out)
    out = np.where(k_ <= lo, 1.0, out)
    return np.asarray(np.clip(out, 0.0, 1.0), dtype=np.float64)


def _tail_sum(
    start: FloatArray,
    stop: FloatArray,
    n: FloatArray,
    kk: FloatArray,
    nn: FloatArray,
    *,
    step: float,
) -> FloatArray:
    """Sum of pmf from ``start`` towards ``stop`` (inclusive), stepping ±1, vectorised.

    One log-pmf per table seeds the sum; within a block of terms each term is the
    previous one times the pmf ratio (a cumulative product of plain arithmetic), and blocks
    follow until the tail has run out or its terms no longer change the sum.
    """
    total = np.zeros_like(start)
    term = np.exp(hypergeom_logpmf(start, n, kk, nn))
    x0 = start.copy()
    active = np.isfinite(term) & (term > 0)
    total = np.where(active, 0.0, np.where(np.isfinite(term), term, 0.0))
    block = _FIRST_BLOCK
    while active.any():
        j = np.arange(block, dtype=np.float64)
        idx = np.nonzero(active)[0]
        xs = x0[idx, None] + step * j[None, :]
        ni, ki, Ni = n[idx, None], kk[idx, None], nn[idx, None]
        if step > 0:
            ratio = (ni - xs) * (ki - xs) / ((xs + 1.0) * (Ni - ki - ni + xs + 1.0))
        else:
            ratio = (xs * (Ni - ki - ni + xs)) / ((ni - xs + 1.0) * (ki - xs + 1.0))
        # terms[:, 0] is the current term; terms[:, j] = terms[:, j-1] * ratio[:, j-1]
        factors = np.concatenate([np.ones((len(idx), 1)), ratio[:, :-1]], axis=1)
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            terms = term[idx, None] * np.cumprod(np.maximum(factors, 0.0), axis=1)
        inside = (xs <= stop[idx, None]) if step > 0 else (xs >= stop[idx, None])
        terms = np.where(inside & np.isfinite(terms), terms, 0.0)
        total[idx] += terms.sum(axis=1)
        last = terms[:, -1]
        term[idx] = last * np.where(np.isfinite(ratio[:, -1]), np.maximum(ratio[:, -1], 0.0), 0.0)
        done = ~inside[:, -1] | (term[idx] <= total[idx] * 1e-17)
        x0[idx] += step * block
        active[idx[done]] = False
        block = min(block * 4, _MAX_BLOCK)
    return total


#: Far tails converge in a few terms, tails near the mode in a few hundred: blocks start
#: small and grow.
_FIRST_BLOCK = 16
_MAX_BLOCK = 1024


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
    z = two_sided_z(level)
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
    z = two_sided_z(level)
    p = np.where(nn > 0, kk / np.maximum(nn, 1.0), 0.0)
    denom = 1.0 + z * z / np.maximum(nn, 1.0)
    centre = (p + z * z / (2 * np.maximum(nn, 1.0))) / denom
    half = (
        z
        * np.sqrt(p * (1 - p) / np.maximum(nn, 1.0) + z * z / (4 * np.maximum(nn, 1.0) ** 2))
        / denom
    )
    return centre - half, centre + half
