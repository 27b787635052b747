"""Dating a trend by a stage time: a compounding slowdown planted in daily lognormal times is
dated within days, with an interval that holds the truth; a flat series is not a change."""

from __future__ import annotations

import numpy as np
import pytest

from dfras.patterns.trends import stage_change


def _series(seed: int, start: int | None, days: int = 240, per_day: float = 12.0):
    rng = np.random.default_rng(seed)
    n = rng.poisson(per_day, days).astype(float)
    t = np.arange(days)
    ramp = np.clip(t - start, 0, None) * np.log(1.02) if start is not None else np.zeros(days)
    level = np.log(20.0) + ramp
    level = np.minimum(level, np.log(20.0 * 6))  # capped at 6x, as the generator does
    mean = np.array(
        [rng.normal(level[i], 0.3, int(c)).mean() if c else 0.0 for i, c in enumerate(n)]
    )
    return n, mean


@pytest.mark.parametrize("seed", range(6))
def test_a_compounding_slowdown_is_dated_within_a_week(seed: int) -> None:
    truth = 100 + 3 * seed
    n, mean = _series(seed, truth)
    change = stage_change(n, mean)
    assert change is not None and change.p_value < 1e-6
    assert abs(change.start - truth) <= 7
    assert change.start_ci[0] <= change.start <= change.start_ci[1]
    assert change.after > 3 * change.before  # slower, by about the planted factor
    assert change.before == pytest.approx(20.0, rel=0.1)


def test_the_interval_holds_the_truth_in_most_seeds() -> None:
    held = 0
    for seed in range(20):
        n, mean = _series(100 + seed, 120)
        change = stage_change(n, mean)
        assert change is not None
        held += change.start_ci[0] <= 120 <= change.start_ci[1]
    assert held >= 16  # on data that follows the model exactly, the profile interval holds


def test_a_flat_series_is_no_change() -> None:
    significant = 0
    for seed in range(20):
        n, mean = _series(200 + seed, None)
        change = stage_change(n, mean)
        significant += change is not None and change.p_value <= 0.001
    assert significant == 0


def test_too_short_a_series_is_not_fitted() -> None:
    n, mean = _series(1, None, days=40)
    assert stage_change(n, mean) is None
