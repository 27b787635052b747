"""Event correlation: do failures follow external events, in time, in space and across cities?

- **Temporal**: for each event (a city, a condition, some days), the city's failures from the
  event's first day to ``lag`` days after its last (lag 0–``MAX_LAG``, Bonferroni over the lags)
  against the city's own history and weekday profile — the exact conditional test of the
  anomaly scan. Strength = the share of the window's failures in excess of expectation.
- **Spatial**: the same window in every *neighbouring* city (within ``NEIGHBOUR_KM`` by the
  gazetteer's coordinates): did failures rise there too, and did the same condition hit it?
  Cities the gazetteer does not know are marked as unknown locations and not paired.
- **Statistical**: across every city at once, orders recording a condition against orders that
  do not, stratified by city (Mantel–Haenszel common odds ratio with the Robins–Breslow–
  Greenland interval, Cochran–Mantel–Haenszel test). Strength = |Yule's Q| = |OR−1|/(OR+1).

All p-values of a scan form one family (Benjamini–Hochberg); confidence = 1 − q.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from scipy.special import ndtri
from scipy.stats import beta, binom, chi2

from dfras.patterns.anomalies import weekday_factors
from dfras.patterns.events import Event
from dfras.patterns.gazetteer import NEIGHBOUR_KM, coordinates, distance_km
from dfras.patterns.series import SeriesSet

MAX_LAG = 2
MIN_OR_CHANGE = 1.25
ASSOCIATION_OUTCOMES = {"failure": ("failed", "closed"), "late": ("late", "delivered")}


@dataclass
class WindowTest:
    observed: int
    expected: float
    ratio: float
    ci: tuple[float, float]
    p_value: float
    start: date
    end: date


@dataclass
class Candidate:
    kind: str  # Temporal | Spatial | Statistical
    event: Event | None
    city: str | None
    p_value: float
    strength: float
    distance_km: float | None
    start: date | None
    end: date | None
    figures: dict[str, Any]
    primary: tuple[str, str]
    secondary: tuple[str, str]


class CityWindows:
    """Exact window tests on the cities' failure series (weekday-adjusted, as anomalies)."""

    def __init__(self, series: SeriesSet, outcome: str = "failure") -> None:
        self.series = series
        rows = [i for i, c in enumerate(series.columns) if c == "city"]
        self.index = {series.values[i]: j for j, i in enumerate(rows)}
        n, k = series.pair(outcome)
        self.n, self.k = n[rows], k[rows]
        f = weekday_factors(self.n, self.k, series.weekday)
        self.w = self.n * f[:, series.weekday]

    def test(self, city: str, start: date, end: date) -> WindowTest | None:
        j = self.index.get(city)
        if j is None:
            return None
        a = max(0, (start - self.series.first).days)
        b = min(self.series.days - 1, (end - self.series.first).days)
        if b < a:
            return None
        kw, ww = float(self.k[j, a : b + 1].sum()), float(self.w[j, a : b + 1].sum())
        tot_k, tot_w = float(self.k[j].sum()), float(self.w[j].sum())
        if tot_k == 0 or ww <= 0 or ww >= tot_w:
            return None
        pi = ww / tot_w
        p = float(binom.sf(kw - 1, tot_k, pi)) if kw > tot_k * pi else 1.0
        expected = (tot_k - kw) * pi / (1 - pi)
        lo = float(beta.ppf(0.025, kw, tot_k - kw + 1)) if kw > 0 else 0.0
        hi = float(beta.ppf(0.975, kw + 1, tot_k - kw)) if kw < tot_k else 1.0
        odds0 = pi / (1 - pi)
        ci = (lo / (1 - lo) / odds0, (hi / (1 - hi) / odds0) if hi < 1 else float("inf"))
        return WindowTest(
            observed=int(kw),
            expected=expected,
            ratio=kw / expected if expected > 0 else float("inf"),
            ci=ci,
            p_value=p,
            start=self.series.day(a),
            end=self.series.day(b),
        )


def temporal(events: list[Event], windows: CityWindows, settled: date) -> list[Candidate]:
    out: list[Candidate] = []
    for e in events:
        if e.start > settled:
            continue
        best: WindowTest | None = None
        best_lag = 0
        for lag in range(MAX_LAG + 1):
            t = windows.test(e.city, e.start, min(settled, e.end + timedelta(days=lag)))
            if t and (best is None or t.p_value < best.p_value):
                best, best_lag = t, lag
        if best is None:
            continue
        out.append(
            Candidate(
                kind="Temporal",
                event=e,
                city=e.city,
                p_value=min(1.0, best.p_value * (MAX_LAG + 1)),
                strength=_excess_share(best),
                distance_km=0.0,
                start=best.start,
                end=best.end,
                figures={**_figures(best), "lag_days": best_lag},
                primary=(e.factor, e.value),
                secondary=("outcome", "failure"),
            )
        )
    return out


def spatial(
    events: list[Event], windows: CityWindows, settled: date, cities: list[str]
) -> tuple[list[Candidate], dict[str, str]]:
    """Neighbouring cities' failures in each event's window; also which cities are unknown."""
    out: list[Candidate] = []
    if not events:
        return out, {}  # the gazetteer is only opened when there is something to place
    unknown = {c: "unknown location" for c in cities if coordinates(c) is None}
    for e in events:
        here = coordinates(e.city)
        if here is None or e.start > settled:
            continue
        end = min(settled, e.end + timedelta(days=MAX_LAG))
        for other in cities:
            there = coordinates(other) if other != e.city else None
            if there is None:
                continue
            km = distance_km(here, there)
            if km > NEIGHBOUR_KM:
                continue
            t = windows.test(other, e.start, end)
            if t is None:
                continue
            out.append(
                Candidate(
                    kind="Spatial",
                    event=e,
                    city=other,
                    p_value=t.p_value,
                    strength=_excess_share(t),
                    distance_km=km,
                    start=t.start,
                    end=t.end,
                    figures={**_figures(t), "origin_city": e.city},
                    primary=(e.factor, e.value),
                    secondary=("outcome", "failure"),
                )
            )
    return out, unknown


def statistical(rows: list[dict[str, Any]]) -> list[Candidate]:
    """Mantel–Haenszel association of each condition value with failure and lateness."""
    strata: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        strata.setdefault((r["factor"], r["value"]), []).append(r)
    out: list[Candidate] = []
    for (factor, value), group in sorted(strata.items()):
        group.sort(key=lambda r: str(r["city"]))  # by city, whatever order the engine returns
        for outcome, (event, population) in ASSOCIATION_OUTCOMES.items():
            tables = []
            for r in group:
                a = float(r[f"{event}_with"] or 0)
                n1 = float(r[f"{population}_with"] or 0)
                c = float(r[f"{event}_without"] or 0)
                n0 = float(r[f"{population}_without"] or 0)
                tables.append((r["city"], a, n1 - a, c, n0 - c))
            res = mantel_haenszel([t[1:] for t in tables])
            if res is None:
                continue
            or_, lo, hi, p = res
            q_yule = abs((or_ - 1) / (or_ + 1))
            per_city = [
                {
                    "city": t[0],
                    "with": int(t[1] + t[2]),
                    "outcomes_with": int(t[1]),
                    "without": int(t[3] + t[4]),
                    "outcomes_without": int(t[3]),
                }
                for t in tables
                if t[1] + t[2] > 0
            ]
            out.append(
                Candidate(
                    kind="Statistical",
                    event=None,
                    city=None,
                    p_value=p,
                    strength=q_yule,
                    distance_km=None,
                    start=None,
                    end=None,
                    figures={
                        "odds_ratio": or_,
                        "ci": [lo, hi],
                        "p_value": p,
                        "method": "Mantel-Haenszel, stratified by city",
                        "strata": per_city,
                        "meaningful": or_ >= MIN_OR_CHANGE or or_ <= 1 / MIN_OR_CHANGE,
                    },
                    primary=(factor, value),
                    secondary=("outcome", outcome),
                )
            )
    return out


def mantel_haenszel(
    tables: list[tuple[float, float, float, float]],
) -> tuple[float, float, float, float] | None:
    """Common odds ratio of 2×2 tables (a, b, c, d) = (exposed with outcome, exposed without,
    unexposed with, unexposed without): MH estimate, RGB 95% interval, CMH p-value."""
    t = np.array([x for x in tables if sum(x) > 1], dtype=float)
    if len(t) == 0:
        return None
    a, b, c, d = t.T
    n = a + b + c + d
    r, s = a * d / n, b * c / n
    if r.sum() == 0 or s.sum() == 0:
        return None
    or_ = r.sum() / s.sum()
    p_, q_ = (a + d) / n, (b + c) / n
    var = (p_ * r).sum() / (2 * r.sum() ** 2)
    var += (p_ * s + q_ * r).sum() / (2 * r.sum() * s.sum())
    var += (q_ * s).sum() / (2 * s.sum() ** 2)
    z = float(ndtri(0.975))
    se = float(np.sqrt(var))
    lo, hi = or_ * np.exp(-z * se), or_ * np.exp(z * se)
    m1, n1 = a + c, a + b
    n0 = c + d
    expected = n1 * m1 / n
    variance = n1 * n0 * m1 * (n - m1) / (n**2 * np.maximum(n - 1, 1))
    if variance.sum() <= 0:
        return None
    stat = (abs(a.sum() - expected.sum()) - 0.5) ** 2 / variance.sum()
    return float(or_), float(lo), float(hi), float(chi2.sf(stat, 1))


def _excess_share(t: WindowTest) -> float:
    return max(0.0, min(1.0, (t.observed - t.expected) / t.observed)) if t.observed else 0.0


def _figures(t: WindowTest) -> dict[str, Any]:
    return {
        "observed_failures": t.observed,
        "expected_failures": round(t.expected, 3),
        "ratio": round(t.ratio, 4),
        "ci": [round(t.ci[0], 4), round(t.ci[1], 4) if np.isfinite(t.ci[1]) else None],
        "p_value": t.p_value,
    }
