"""Scoring metrics against brute-force definitions and an independent implementation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

from dfras.predict.model import Calibrator
from dfras.stats.scoring import (
    auc_with_interval,
    brier_score,
    calibration_error,
    log_loss,
    top_share,
)


def _pairwise_auc(y: np.ndarray, s: np.ndarray) -> float:
    pos, neg = s[y == 1], s[y == 0]
    diff = pos[:, None] - neg[None, :]
    return float(((diff > 0) + 0.5 * (diff == 0)).mean())


def test_auc_equals_pairwise_definition_with_ties() -> None:
    rng = np.random.default_rng(1)
    y = (rng.random(400) < 0.3).astype(int)
    s = np.round(rng.random(400) + 0.3 * y, 1)  # many ties
    est = auc_with_interval(y, s)
    assert est.estimate == pytest.approx(_pairwise_auc(y, s), abs=1e-12)
    u = mannwhitneyu(s[y == 1], s[y == 0]).statistic
    assert est.estimate == pytest.approx(u / ((y == 1).sum() * (y == 0).sum()))


def test_delong_interval_covers_at_nominal_rate_under_the_null() -> None:
    rng = np.random.default_rng(2)
    covered = 0
    for _ in range(100):
        y = (rng.random(300) < 0.2).astype(int)
        covered += auc_with_interval(y, rng.random(300)).includes_chance
    assert 0.90 <= covered / 100 <= 0.99


def test_delong_se_matches_bootstrap() -> None:
    rng = np.random.default_rng(3)
    y = (rng.random(2000) < 0.1).astype(int)
    s = rng.normal(size=2000) + 0.6 * y
    est = auc_with_interval(y, s)
    boots = []
    for _ in range(150):
        i = rng.integers(0, 2000, 2000)
        boots.append(auc_with_interval(y[i], s[i]).estimate)
    assert est.se == pytest.approx(float(np.std(boots)), rel=0.2)


def test_brier_log_loss_calibration_and_top_share() -> None:
    y = np.array([0, 0, 1, 1])
    p = np.array([0.1, 0.2, 0.7, 0.9])
    assert brier_score(y, p) == pytest.approx((0.01 + 0.04 + 0.09 + 0.01) / 4)
    assert log_loss(y, p) == pytest.approx(
        -(np.log(0.9) + np.log(0.8) + np.log(0.7) + np.log(0.9)) / 4
    )
    rng = np.random.default_rng(4)
    q = rng.random(50_000) * 0.3
    assert calibration_error((rng.random(50_000) < q).astype(int), q) < 0.01
    assert calibration_error((rng.random(50_000) < q).astype(int), q + 0.1) > 0.09
    precision, recall = top_share(np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 1]), np.arange(10.0), 0.2)
    assert precision == 0.5 and recall == pytest.approx(1 / 3)


def test_calibrator_is_monotone_and_keeps_order() -> None:
    rng = np.random.default_rng(5)
    raw = rng.normal(size=5000)
    y = (rng.random(5000) < 1 / (1 + np.exp(-(raw - 2)))).astype(np.int8)
    cal = Calibrator.fit(raw, y)
    grid = np.linspace(-3, 3, 200)
    out = cal(grid)
    assert np.all(np.diff(out) >= 0) and out.min() >= 0 and out.max() <= 1
    assert len(np.unique(cal(raw))) > 50  # not collapsed into a few steps
    assert cal(raw).mean() == pytest.approx(y.mean(), abs=0.01)
