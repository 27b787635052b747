"""Anomalies: bursts of 1–7 days in an entity's outcome series, tested exactly against its own
history and weekday profile.

Expected counts. For entity e the weight of day d is ``n_d · f_e(weekday d)``: its population
that day (closed orders, or deliveries for late) times the entity's weekday factor — its own
weekday rates shrunk towards the network's weekday profile with ``PRIOR_ORDERS`` pseudo-orders,
so a small entity borrows the network's shape and a large one keeps its own. Conditional on the
entity's total of outcomes K, the window's count is Binomial(K, π) with π the window's share of
the weights (the exact conditional test of two Poisson rates with exposures): no rate is
plugged in, small counts are handled exactly, and a busy weekday is not an anomaly.

Every window of 1–7 days at every start with at least ``MIN_WINDOW_POPULATION`` orders is a
hypothesis (the volume filter does not look at outcomes, so it does not bias the test); the
service controls the false discovery rate over all of them together with the other pattern
families. A reported anomaly also needs ``MIN_EVENTS`` outcomes and a ratio of at least
``MIN_RATIO``; overlapping significant windows of one series collapse into the best one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from scipy.stats import beta, binom

from dfras.patterns.series import SeriesSet

LENGTHS = tuple(range(1, 8))
PRIOR_ORDERS = 100.0
MIN_WINDOW_POPULATION = 20
MIN_EVENTS = 5
MIN_RATIO = 1.5


@dataclass
class Candidates:
    """Every window tested for one outcome: indices and exact p-values."""

    outcome: str
    row: np.ndarray
    start: np.ndarray
    length: np.ndarray
    observed: np.ndarray
    expected: np.ndarray
    total: np.ndarray
    share: np.ndarray
    population: np.ndarray
    p_value: np.ndarray


@dataclass
class Anomaly:
    outcome: str
    row: int
    start: date
    end: date
    observed: int
    expected: float
    population: int
    ratio: float
    ci: tuple[float, float]
    p_value: float
    q_value: float
    baseline_rate: float


def weekday_factors(n: np.ndarray, k: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    """Per entity and weekday, the outcome rate relative to the entity's rate (shrunk)."""
    nw = np.stack([n[:, weekday == w].sum(axis=1) for w in range(7)], axis=1)
    kw = np.stack([k[:, weekday == w].sum(axis=1) for w in range(7)], axis=1)
    gn, gk = nw.sum(axis=0), kw.sum(axis=0)
    g_rate = gk.sum() / max(gn.sum(), 1.0)
    g = np.where(gn > 0, gk / np.maximum(gn, 1.0), g_rate) / max(g_rate, 1e-12)
    rate = k.sum(axis=1) / np.maximum(n.sum(axis=1), 1.0)
    shrunk = (kw + PRIOR_ORDERS * rate[:, None] * g[None, :]) / (nw + PRIOR_ORDERS)
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(rate[:, None] > 0, shrunk / rate[:, None], 1.0)
    return np.asarray(f)


def candidates(series: SeriesSet, outcome: str) -> Candidates:
    """Exact p-values of every window of every entity for ``outcome``."""
    n, k = series.pair(outcome)
    f = weekday_factors(n, k, series.weekday)
    weight = n * f[:, series.weekday]
    total_k = k.sum(axis=1)
    total_w = weight.sum(axis=1)
    cn = np.concatenate([np.zeros((series.size, 1)), np.cumsum(n, axis=1)], axis=1)
    ck = np.concatenate([np.zeros((series.size, 1)), np.cumsum(k, axis=1)], axis=1)
    cw = np.concatenate([np.zeros((series.size, 1)), np.cumsum(weight, axis=1)], axis=1)
    parts: dict[str, list[np.ndarray]] = {
        k_: [] for k_ in ("row", "start", "length", "obs", "pi", "pop", "tot")
    }
    for length in LENGTHS:
        if length >= series.days:
            continue
        wn = cn[:, length:] - cn[:, :-length]
        wk = ck[:, length:] - ck[:, :-length]
        ww = cw[:, length:] - cw[:, :-length]
        ok = (wn >= MIN_WINDOW_POPULATION) & (total_k[:, None] > 0) & (ww < total_w[:, None])
        rows, starts = np.nonzero(ok)
        parts["row"].append(rows)
        parts["start"].append(starts)
        parts["length"].append(np.full(len(rows), length))
        parts["obs"].append(wk[rows, starts])
        parts["pi"].append(ww[rows, starts] / total_w[rows])
        parts["pop"].append(wn[rows, starts])
        parts["tot"].append(total_k[rows])
    cat = {k_: (np.concatenate(v) if v else np.zeros(0)) for k_, v in parts.items()}
    obs, pi, tot = cat["obs"], cat["pi"], cat["tot"]
    p = np.ones(len(obs))
    upper = obs > tot * pi
    if upper.any():
        p[upper] = binom.sf(obs[upper] - 1, tot[upper], pi[upper])
    rest_k = tot - obs
    expected = np.where(pi < 1, rest_k * pi / np.maximum(1 - pi, 1e-12), 0.0)
    return Candidates(
        outcome=outcome,
        row=cat["row"].astype(np.int64),
        start=cat["start"].astype(np.int64),
        length=cat["length"].astype(np.int64),
        observed=obs,
        expected=expected,
        total=tot,
        share=pi,
        population=cat["pop"],
        p_value=p,
    )


def select(series: SeriesSet, cand: Candidates, q: np.ndarray, *, fdr: float) -> list[Anomaly]:
    """Significant windows with enough outcomes and effect, one per overlapping cluster."""
    ratio = np.where(cand.expected > 0, cand.observed / np.maximum(cand.expected, 1e-12), np.inf)
    keep = (q <= fdr) & (cand.observed >= MIN_EVENTS) & (ratio >= MIN_RATIO)
    idx = np.nonzero(keep)[0]
    idx = idx[np.lexsort((-cand.observed[idx], cand.p_value[idx]))]
    taken: dict[int, list[tuple[int, int]]] = {}
    n, k = series.pair(cand.outcome)
    found: list[Anomaly] = []
    for i in idx:
        r, s, length = int(cand.row[i]), int(cand.start[i]), int(cand.length[i])
        spans = taken.setdefault(r, [])
        if any(s <= e and s + length - 1 >= b for b, e in spans):
            continue
        spans.append((s, s + length - 1))
        obs, tot, pi = float(cand.observed[i]), float(cand.total[i]), float(cand.share[i])
        lo, hi = _clopper_pearson(obs, tot)
        odds0 = pi / (1 - pi)
        ci = (_odds(lo) / odds0, min(_odds(hi) / odds0, 1e9))
        outside_n = n[r].sum() - cand.population[i]
        outside_k = k[r].sum() - obs
        found.append(
            Anomaly(
                outcome=cand.outcome,
                row=r,
                start=series.day(s),
                end=series.day(s + length - 1),
                observed=int(obs),
                expected=float(cand.expected[i]),
                population=int(cand.population[i]),
                ratio=float(ratio[i]),
                ci=ci,
                p_value=float(cand.p_value[i]),
                q_value=float(q[i]),
                baseline_rate=float(outside_k / outside_n) if outside_n > 0 else 0.0,
            )
        )
    return found


def _clopper_pearson(k: float, n: float, level: float = 0.95) -> tuple[float, float]:
    a = (1 - level) / 2
    lo = float(beta.ppf(a, k, n - k + 1)) if k > 0 else 0.0
    hi = float(beta.ppf(1 - a, k + 1, n - k)) if k < n else 1.0
    return lo, hi


def _odds(p: float) -> float:
    return float("inf") if p >= 1 else p / (1 - p)
