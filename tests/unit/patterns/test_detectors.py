"""The detectors on small synthetic series: what they must find, and what they must not."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from dfras.patterns import anomalies as an
from dfras.patterns import seasonal as se
from dfras.patterns import trends as tr
from dfras.patterns.correlate import mantel_haenszel
from dfras.patterns.events import find_events
from dfras.patterns.series import SeriesSet
from dfras.stats.proportions import bh_qvalues

DAYS = 200


def _series(k: np.ndarray, n: np.ndarray) -> SeriesSet:
    zeros = np.zeros_like(n)
    return SeriesSet(
        columns=["city"] * len(n),
        values=[f"C{i}" for i in range(len(n))],
        first=date(2025, 1, 6),
        days=n.shape[1],
        counts={"closed": n, "failed": k, "returned": zeros, "delivered": n, "late": zeros},
    )


def test_a_burst_is_found_at_its_days_and_flat_series_give_nothing() -> None:
    rng = np.random.default_rng(1)
    n = np.full((20, DAYS), 40.0)
    p = np.full((20, DAYS), 0.08)
    p[3, 100:103] = 0.4
    k = rng.binomial(n.astype(int), p).astype(float)
    s = _series(k, n)
    c = an.candidates(s, "failure")
    q = bh_qvalues(c.p_value)
    found = an.select(s, c, q, fdr=0.05)
    assert [a.row for a in found] == [3]
    a = found[0]
    assert abs((a.start - (date(2025, 1, 6) + timedelta(days=100))).days) <= 1
    assert abs((a.end - (date(2025, 1, 6) + timedelta(days=102))).days) <= 1
    assert a.observed > 2 * a.expected and a.ci[0] > 1


def test_null_series_rarely_alarm() -> None:
    alarms = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        n = rng.integers(5, 60, (30, DAYS)).astype(float)
        k = rng.binomial(n.astype(int), 0.08).astype(float)
        s = _series(k, n)
        c = an.candidates(s, "failure")
        alarms += bool(an.select(s, c, bh_qvalues(c.p_value), fdr=0.05))
    assert alarms <= 2


def test_a_busy_weekday_is_not_an_anomaly() -> None:
    rng = np.random.default_rng(3)
    n = np.full((5, DAYS), 40.0)
    p = np.full((5, DAYS), 0.05)
    p[:, ::7] = 0.15  # every seventh day is worse for everyone: a weekday profile
    k = rng.binomial(n.astype(int), p).astype(float)
    s = _series(k, n)
    c = an.candidates(s, "failure")
    assert an.select(s, c, bh_qvalues(c.p_value), fdr=0.05) == []


def test_trend_start_is_located() -> None:
    rng = np.random.default_rng(7)
    days = 245
    n = np.full(days, 30.0)
    growth = np.minimum(1.02 ** np.clip(np.arange(days) - 100, 0, None), 6.0)
    k = rng.binomial(n.astype(int), 0.1 * growth).astype(float)
    nw, kw, _ = tr.weekly(n[None, :], k[None, :], date(2025, 1, 6))
    fits = tr.scan(nw, kw)
    assert fits and fits[0].p_value < 1e-6
    start, _ = tr.transition_start(n, k)
    assert abs(start - 100) <= 7
    flat = rng.binomial(n.astype(int), 0.1).astype(float)
    nw, kw, _ = tr.weekly(n[None, :], flat[None, :], date(2025, 1, 6))
    assert tr.scan(nw, kw)[0].p_value > 0.01


def test_seasonal_profile_against_flat_and_against_the_network() -> None:
    n = np.array([[1000.0] * 7, [300.0] * 7, [300.0] * 7])
    k = np.array([[80.0] * 7, [24.0] * 7, [24.0] * 7])
    k[0, 0] = 160  # the network's Mondays are worse
    k[1, 0] = 48  # entity 1 only follows the network
    k[2, 4] = 60  # entity 2 has a Friday of its own
    got = {p.row: p for p in se.test_profiles(n, k, 0, kind="weekday")}
    assert got[0].p_value < 1e-6 and got[0].peak == 0
    assert got[1].p_value > 0.05
    assert got[2].p_value < 1e-4 and got[2].peak == 4 and se.meaningful(got[2])


def test_mantel_haenszel_matches_statsmodels() -> None:
    from statsmodels.stats.contingency_tables import StratifiedTable

    tables = [(20.0, 80.0, 10.0, 90.0), (15.0, 60.0, 12.0, 110.0), (5.0, 30.0, 4.0, 50.0)]
    or_, lo, hi, p = mantel_haenszel(tables)
    ref = StratifiedTable([np.array([[a, b], [c, d]]) for a, b, c, d in tables])
    assert or_ == pytest.approx(ref.oddsratio_pooled, rel=1e-9)
    rlo, rhi = ref.oddsratio_pooled_confint()
    assert (lo, hi) == (pytest.approx(rlo, rel=1e-6), pytest.approx(rhi, rel=1e-6))
    assert p == pytest.approx(ref.test_null_odds(correction=True).pvalue, rel=1e-6)


def test_events_need_a_concentrated_condition() -> None:
    days = [date(2025, 1, 1) + timedelta(days=i) for i in range(60)]
    covered = [{"city": "Pune", "day": d, "covered": 20} for d in days]
    scattered = [
        {"city": "Pune", "day": d, "factor": "weather_condition", "value": "Storm", "hits": 1}
        for d in days
    ]
    assert find_events(scattered, covered, fdr=0.05)[0] == []
    storm = [dict(r) for r in scattered]
    for r in storm[30:33]:
        r["hits"] = 19
    events, tested = find_events(storm, covered, fdr=0.05)
    assert tested > 100
    assert [(e.city, e.value, e.start, e.end) for e in events] == [
        ("Pune", "Storm", days[30], days[32])
    ]
