"""Our statistics against independent implementations (scipy.stats, statsmodels).

DFRAS computes its tests from counts with scipy.special only (fast start-up); these tests check
every result against the reference libraries on random and edge-case tables.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from dfras.stats.means import mann_whitney_upper, welch_difference
from dfras.stats.proportions import bh_qvalues, fisher_upper, risk_ratio, wilson_interval

RNG = np.random.default_rng(20261123)


def _tables(m: int) -> tuple[np.ndarray, ...]:
    big_n = RNG.integers(20, 200_000, m)
    big_k = (big_n * RNG.uniform(0.01, 0.7, m)).astype(int)
    n = np.maximum(1, (big_n * RNG.uniform(0.001, 0.9, m)).astype(int))
    lo = np.maximum(0, n + big_k - big_n)
    hi = np.minimum(n, big_k)
    k = (lo + (hi - lo) * RNG.uniform(0, 1, m)).astype(int)
    return k, n, big_k, big_n


def test_fisher_upper_exact_matches_scipy_hypergeometric_tail() -> None:
    k, n, big_k, big_n = _tables(3000)
    ours = fisher_upper(k, n, big_k, big_n, exact=True)
    ref = stats.hypergeom.sf(k - 1, big_n, big_k, n)
    np.testing.assert_allclose(ours, ref, rtol=1e-7, atol=1e-12)


def test_fisher_upper_is_exact_below_the_cut_and_close_above() -> None:
    k, n, big_k, big_n = _tables(3000)
    ours = fisher_upper(k, n, big_k, big_n)
    ref = stats.hypergeom.sf(k - 1, big_n, big_k, n)
    small = ref <= 0.08
    assert small.sum() > 100
    np.testing.assert_allclose(ours[small], ref[small], rtol=1e-7, atol=1e-12)
    assert np.max(np.abs(ours[~small] - ref[~small])) < 0.03
    assert np.all(ours[~small] > 0.05)


@pytest.mark.parametrize(
    ("table"),
    [
        [[8, 2], [12, 78]],
        [[0, 10], [5, 85]],
        [[10, 0], [0, 90]],
        [[3, 3], [3, 3]],
        [[1, 0], [0, 0]],
    ],
)
def test_fisher_upper_matches_fisher_exact_on_edge_cases(table: list[list[int]]) -> None:
    (a, b), (c, d) = table
    ref = stats.fisher_exact(table, alternative="greater")[1]
    ours = fisher_upper([a], [a + b], [a + c], [a + b + c + d])[0]
    assert ours == pytest.approx(ref, rel=1e-9, abs=1e-15)


def test_bh_matches_statsmodels() -> None:
    p = RNG.uniform(size=2000) ** 4
    np.testing.assert_allclose(bh_qvalues(p), multipletests(p, method="fdr_bh")[1], rtol=1e-12)


def test_risk_ratio_interval_is_katz() -> None:
    k, n, k0, n0 = 30, 200, 50, 1000
    rr, lo, hi = risk_ratio([k], [n], [k0], [n0])
    se = np.sqrt(1 / k - 1 / n + 1 / k0 - 1 / n0)
    assert rr[0] == pytest.approx(3.0)
    assert lo[0] == pytest.approx(3.0 * np.exp(-1.959963985 * se))
    assert hi[0] == pytest.approx(3.0 * np.exp(1.959963985 * se))


def test_wilson_matches_statsmodels() -> None:
    lo, hi = wilson_interval([7, 0, 50], [40, 12, 50])
    for i, (k, n) in enumerate([(7, 40), (0, 12), (50, 50)]):
        ref = proportion_confint(k, n, method="wilson")
        assert lo[i] == pytest.approx(ref[0], abs=1e-10)
        assert hi[i] == pytest.approx(ref[1], abs=1e-10)


def test_welch_difference_matches_direct_computation() -> None:
    a = RNG.normal(5, 2, 300)
    b = RNG.normal(4, 3, 900)
    d, lo, hi = welch_difference(
        [a.size], [a.sum()], [(a * a).sum()], [b.size], [b.sum()], [(b * b).sum()]
    )
    se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    assert d[0] == pytest.approx(a.mean() - b.mean())
    assert lo[0] == pytest.approx(a.mean() - b.mean() - 1.959963985 * se, rel=1e-6)
    assert hi[0] == pytest.approx(a.mean() - b.mean() + 1.959963985 * se, rel=1e-6)


def test_rank_test_matches_scipy_mannwhitney_with_ties() -> None:
    a = RNG.integers(0, 8, 120).astype(float)
    b = RNG.integers(0, 7, 400).astype(float)
    both = np.concatenate([a, b])
    ranks = stats.rankdata(both)
    _, counts = np.unique(both, return_counts=True)
    tie = float(((counts**3) - counts).sum())
    ours = mann_whitney_upper([ranks[: a.size].sum()], [a.size], [both.size], [tie])[0]
    ref = stats.mannwhitneyu(
        a, b, alternative="greater", method="asymptotic", use_continuity=True
    ).pvalue
    assert ours == pytest.approx(ref, rel=1e-6)
