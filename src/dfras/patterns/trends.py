"""Trends: a sustained worsening or improvement of an entity's outcome rate, with its start.

Weekly counts of each entity (days inside its anomaly windows left out, so a burst is not
mistaken for a shift) are fitted by two change-point models on the logit scale, for every
candidate start τ at least ``MIN_WEEKS`` weeks from either end:

- *step*: the rate changes at τ and stays (closed-form maximum likelihood);
- *ramp*: the rate is flat until τ, then its logit grows linearly (a hinge; Newton–Raphson,
  vectorised over entities and candidate starts).

The likelihood-ratio statistic against a constant rate is referred to χ²(1) and multiplied by
the number of (model, τ) pairs tried (Bonferroni over the scan, so picking the best start never
overclaims); the service then controls the false discovery rate across entities. The start of a
significant trend is then located with a *transition* model that covers both shapes — flat
until τ1, a linear logit change until τ2, flat again after (a step is a short transition, a ramp
one that lasts to the end) — on the weekly grid of (τ1, τ2), and τ1 refined on the daily
series within two weeks. A step fitted to a ramp that levels off would put the start in the
middle of the rise; the transition model puts it where the rise begins. A trend also needs a meaningful size: the rate at the end of the data against
the rate before the start at least ``MIN_CHANGE`` times higher (or lower).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from scipy.stats import chi2

MIN_WEEKS = 4
MIN_CHANGE = 1.25
MIN_POPULATION = 300
_NEWTON_STEPS = 12


@dataclass
class TrendFit:
    row: int
    model: str  # step | ramp
    week: int
    lr: float
    p_value: float
    before: float  # rate before the start
    after: float  # fitted rate at the end (ramp) or after the start (step)
    slope: float  # logit change per week (ramp), or the logit jump (step)


@dataclass
class Trend:
    outcome: str
    row: int
    model: str
    start: date
    end: date
    before: float
    after: float
    change: float
    ci: tuple[float, float]
    slope: float
    p_value: float
    q_value: float
    population_before: int
    population_after: int
    events_before: int
    events_after: int


def weekly(n: np.ndarray, k: np.ndarray, first: date) -> tuple[np.ndarray, np.ndarray, date]:
    """Sum days into Monday-based weeks; returns (n, k, first Monday)."""
    offset = first.weekday()
    days = n.shape[1] + offset
    weeks = (days + 6) // 7
    pad = ((0, 0), (offset, weeks * 7 - days))
    nw = np.pad(n, pad).reshape(n.shape[0], weeks, 7).sum(axis=2)
    kw = np.pad(k, pad).reshape(k.shape[0], weeks, 7).sum(axis=2)
    return nw, kw, first - timedelta(days=offset)


def _ll(k: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return np.asarray(k * np.log(p) + (n - k) * np.log(1 - p))


def scan(n: np.ndarray, k: np.ndarray) -> list[TrendFit]:
    """Best change point per row of weekly (n, k); p-values Bonferroni'd over the scan."""
    big = np.nonzero((n.sum(axis=1) >= MIN_POPULATION) & (k.sum(axis=1) > 0))[0]
    return [TrendFit(**{**f.__dict__, "row": int(big[f.row])}) for f in _scan(n[big], k[big])]


def _scan(n: np.ndarray, k: np.ndarray) -> list[TrendFit]:
    rows, weeks = n.shape
    taus = np.arange(MIN_WEEKS, weeks - MIN_WEEKS + 1)
    if rows == 0 or len(taus) == 0:
        return []
    tot_n, tot_k = n.sum(axis=1), k.sum(axis=1)
    base = _ll(k, n, (tot_k / np.maximum(tot_n, 1.0))[:, None]).sum(axis=1)
    cn, ck = np.cumsum(n, axis=1), np.cumsum(k, axis=1)
    # step model
    n1, k1 = cn[:, taus - 1], ck[:, taus - 1]
    n2, k2 = tot_n[:, None] - n1, tot_k[:, None] - k1
    p1, p2 = k1 / np.maximum(n1, 1.0), k2 / np.maximum(n2, 1.0)
    ll_step = _ll(k1, n1, p1) + _ll(k2, n2, p2)
    lr_step = 2 * (ll_step - base[:, None])
    # ramp model: logit p_t = a + b * max(0, t - tau)
    t = np.arange(weeks, dtype=float)
    x = np.maximum(0.0, t[None, :] - taus[:, None])  # (taus, weeks)
    rate0 = np.clip(tot_k / np.maximum(tot_n, 1.0), 1e-6, 1 - 1e-6)
    a = np.broadcast_to(np.log(rate0 / (1 - rate0))[:, None], (rows, len(taus))).copy()
    b = np.zeros((rows, len(taus)))
    nn, kk = n[:, None, :], k[:, None, :]
    for _ in range(_NEWTON_STEPS):
        eta = np.clip(a[:, :, None] + b[:, :, None] * x[None, :, :], -30, 30)
        p = 1 / (1 + np.exp(-eta))
        r = kk - nn * p
        wgt = nn * p * (1 - p)
        ga, gb = r.sum(axis=2), (r * x[None]).sum(axis=2)
        haa, hab = wgt.sum(axis=2), (wgt * x[None]).sum(axis=2)
        hbb = (wgt * x[None] ** 2).sum(axis=2)
        det = haa * hbb - hab**2
        det = np.where(np.abs(det) < 1e-12, 1e-12, det)
        da = (hbb * ga - hab * gb) / det
        db = (haa * gb - hab * ga) / det
        a = a + np.clip(da, -2, 2)
        b = b + np.clip(db, -1, 1)
    eta = np.clip(a[:, :, None] + b[:, :, None] * x[None, :, :], -30, 30)
    p = 1 / (1 + np.exp(-eta))
    ll_ramp = _ll(kk, nn, p).sum(axis=2)
    lr_ramp = 2 * (ll_ramp - base[:, None])
    tried = 2 * len(taus)
    fits: list[TrendFit] = []
    for r_ in range(rows):
        js, jr = int(np.argmax(lr_step[r_])), int(np.argmax(lr_ramp[r_]))
        use_ramp = lr_ramp[r_, jr] > lr_step[r_, js]
        j = jr if use_ramp else js
        lr = float(max(lr_ramp[r_, jr], lr_step[r_, js], 0.0))
        pval = min(1.0, float(chi2.sf(lr, 1)) * tried)
        if use_ramp:
            before = 1 / (1 + np.exp(-a[r_, j]))
            after = float(p[r_, j, -1])
            slope = float(b[r_, j])
        else:
            before, after = float(p1[r_, j]), float(p2[r_, j])
            slope = float(np.log(max(after, 1e-9) / max(1 - after, 1e-9)))
            slope -= float(np.log(max(before, 1e-9) / max(1 - before, 1e-9)))
        fits.append(
            TrendFit(
                row=r_,
                model="ramp" if use_ramp else "step",
                week=int(taus[j]),
                lr=lr,
                p_value=pval,
                before=float(before),
                after=float(after),
                slope=slope,
            )
        )
    return fits


def transition_start(n: np.ndarray, k: np.ndarray, reach: int = 14) -> tuple[int, int]:
    """(start, end) day indices of the best transition model of one daily series: a weekly grid
    of (τ1, τ2), then τ1 on the daily grid near the weekly best (all fits vectorised)."""
    days = len(n)
    grid = list(range(7, days - 6, 7))
    if not grid:
        return 0, days
    t = np.arange(days, dtype=float)
    pairs = [(t1, t2) for i, t1 in enumerate(grid) for t2 in [*grid[i + 1 :], days]]
    ll = _ramp_ll_many(n, k, _hinges(t, pairs))
    t1, t2 = pairs[int(np.argmax(ll))]
    near = [tau for tau in range(max(7, t1 - reach), min(t2 - 1, t1 + reach) + 1)]
    if not near:
        return t1, t2
    ll = _ramp_ll_many(n, k, _hinges(t, [(tau, t2) for tau in near]))
    return near[int(np.argmax(ll))], t2


def _hinges(t: np.ndarray, pairs: list[tuple[int, int]]) -> np.ndarray:
    """The transition design of each (start, end): flat, then rising by one a day, then flat."""
    return np.array([np.clip(t - a, 0.0, b - a) for a, b in pairs])


def _ramp_ll_many(n: np.ndarray, k: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Log-likelihoods of the log-linear transition for many designs (rows of ``x``): rate =
    exp(a + b·x), counts Poisson given the population (a compounding slowdown is exactly
    log-linear until it levels off); Newton–Raphson, vectorised over the designs."""
    rate = max(k.sum() / max(n.sum(), 1.0), 1e-6)
    a = np.full(len(x), np.log(rate))
    b = np.zeros(len(x))
    for _ in range(_NEWTON_STEPS):
        mu = n[None, :] * np.exp(np.clip(a[:, None] + b[:, None] * x, -30, 5))
        r = k[None, :] - mu
        ga, gb = r.sum(axis=1), (r * x).sum(axis=1)
        haa, hab, hbb = mu.sum(axis=1), (mu * x).sum(axis=1), (mu * x * x).sum(axis=1)
        det = haa * hbb - hab * hab
        ok = np.abs(det) > 1e-12
        det = np.where(ok, det, 1.0)
        a = a + np.where(ok, np.clip((hbb * ga - hab * gb) / det, -2, 2), 0.0)
        b = b + np.where(ok, np.clip((haa * gb - hab * ga) / det, -1, 1), 0.0)
    mu = n[None, :] * np.exp(np.clip(a[:, None] + b[:, None] * x, -30, 5))
    with np.errstate(divide="ignore", invalid="ignore"):
        ll = np.where(k[None, :] > 0, k[None, :] * np.log(np.maximum(mu, 1e-300)), 0.0) - mu
    return np.asarray(ll.sum(axis=1))


#: A stage-time change must be this significant (Bonferroni over the (τ1, τ2) pairs tried) to
#: date a trend; otherwise the trend keeps the start its outcome rate gives.
STAGE_ALPHA = 0.001


@dataclass
class StageChange:
    """Where an entity's stage time (log scale) starts to change, from its daily means."""

    start: int  # day index where the change begins
    end: int  # day index where it levels off (the series' length when it does not)
    before: float  # geometric mean of the stage time before the start
    after: float  # fitted geometric mean at the end of the data
    p_value: float  # F test against a constant level, Bonferroni over the pairs tried
    pairs: int
    #: starts whose fit is within the 95% χ²(1) cut of the best (day indices): the data's
    #: precision, not a coverage guarantee (a slow ramp's first days hide in the noise)
    start_ci: tuple[int, int]


def _wls_transition(
    y: np.ndarray, w: np.ndarray, x: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted least squares of y = a + b·x for many designs (rows of ``x``): (rss, a, b)."""
    sw = w.sum()
    mx = (x * w).sum(axis=1) / sw
    my = (y * w).sum() / sw
    sxx = (w * (x - mx[:, None]) ** 2).sum(axis=1)
    sxy = (w * (x - mx[:, None]) * (y - my)).sum(axis=1)
    b = np.where(sxx > 1e-12, sxy / np.where(sxx > 1e-12, sxx, 1.0), 0.0)
    a = my - b * mx
    rss = (w * (y - a[:, None] - b[:, None] * x) ** 2).sum(axis=1)
    return rss, a, b


def stage_change(n: np.ndarray, mean_log: np.ndarray, reach: int = 14) -> StageChange | None:
    """The transition (flat, then a linear change, then flat) that best fits a daily series
    of mean log stage times with ``n`` orders a day, if it beats a constant level.

    Every order carries its stage time while only a few carry the outcome, so a slowdown is
    dated by it far more finely than by the outcome rate it causes. Days are weighted by their
    orders; the residual variance is estimated from the fit, so day-to-day variation beyond
    the orders' own widens the test rather than fooling it."""
    keep = n > 0
    days = len(n)
    if keep.sum() < 2 * MIN_WEEKS * 7:
        return None
    t = np.arange(days, dtype=float)[keep]
    y, w = mean_log[keep], n[keep].astype(float)
    grid = list(range(MIN_WEEKS * 7, days - MIN_WEEKS * 7 + 1, 7))
    if not grid:
        return None
    pairs = [(a, b) for i, a in enumerate(grid) for b in [*grid[i + 1 :], days]]
    rss, _, _ = _wls_transition(y, w, _hinges(t, pairs))
    best = int(np.argmin(rss))
    t1, t2 = pairs[best]
    near = list(range(max(7, t1 - reach), min(t2 - 1, t1 + reach) + 1))
    rss_near, a_near, b_near = _wls_transition(y, w, _hinges(t, [(tau, t2) for tau in near]))
    j = int(np.argmin(rss_near))
    start, rss1 = near[j], float(rss_near[j])
    my = (y * w).sum() / w.sum()
    rss0 = float((w * (y - my) ** 2).sum())
    dof = len(y) - 3  # level, slope, and the start chosen by the scan
    if rss1 <= 0 or dof <= 0:
        return None
    f_stat = (rss0 - rss1) / (rss1 / dof)
    from scipy.stats import f as f_dist

    p = min(1.0, float(f_dist.sf(f_stat, 1, dof)) * len(pairs))
    a, b = float(a_near[j]), float(b_near[j])
    inside = [
        tau for tau, r in zip(near, rss_near, strict=True) if (r - rss1) / (rss1 / dof) <= 3.84
    ]
    return StageChange(
        start=start,
        end=t2,
        before=float(np.exp(a)),
        after=float(np.exp(a + b * (t2 - start))),
        p_value=p,
        pairs=len(pairs),
        start_ci=(min(inside), max(inside)),
    )
