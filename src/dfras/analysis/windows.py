"""Time windows: a burst at one entity over a few days, or a sustained worsening.

For every entity (a city, a warehouse, a partner, a client) with enough orders, the daily
counts are scanned for the window whose outcome rate stands furthest above the entity's own
rate outside it (binomial log-likelihood ratio). Windows of 1–14 days catch bursts (a storm);
longer windows, up to half the period and ending anywhere, catch a steady worsening (its start
is where the window opens). The best window's exact p-value is multiplied by the number of
windows scanned for that entity (Bonferroni), so choosing the best never overclaims.

Vectorised over entities with cumulative sums: Python touches only daily aggregates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from dfras.stats.proportions import fisher_upper, risk_ratio

SHORT = tuple(range(1, 15))


@dataclass
class Window:
    value: Any
    start: date
    end: date
    n: int
    k: int
    rate: float
    baseline: float
    risk_ratio: float
    ci: tuple[float, float]
    excess: float
    p_value: float
    scanned: int


def window_lengths(days: int) -> list[int]:
    """Window lengths scanned over a span of ``days``: 1–14 days, then weekly to half the span."""
    longer = list(range(21, max(22, days // 2 + 1), 7))
    return [w for w in (*SHORT, *longer) if w < days]


def scan_windows(
    rows: list[tuple[Any, ...]], *, min_support: int = 25, min_window_support: int = 10
) -> list[Window]:
    """The best window of each entity from rows of (value, day, n, k)."""
    if not rows:
        return []
    values = sorted({r[0] for r in rows}, key=str)
    days = sorted({r[1] for r in rows})
    first, last = days[0], days[-1]
    span = (last - first).days + 1
    if span < 3:
        return []
    index = {v: i for i, v in enumerate(values)}
    n = np.zeros((len(values), span))
    k = np.zeros((len(values), span))
    for v, d, nn, kk in rows:
        n[index[v], (d - first).days] += nn
        k[index[v], (d - first).days] += kk or 0
    tot_n, tot_k = n.sum(axis=1), k.sum(axis=1)
    keep = (tot_n >= min_support) & (tot_k > 0)
    if not keep.any():
        return []
    ids = np.nonzero(keep)[0]
    n, k, tot_n, tot_k = n[ids], k[ids], tot_n[ids], tot_k[ids]
    cn = np.concatenate([np.zeros((len(ids), 1)), np.cumsum(n, axis=1)], axis=1)
    ck = np.concatenate([np.zeros((len(ids), 1)), np.cumsum(k, axis=1)], axis=1)
    best_llr = np.full(len(ids), -np.inf)
    best = np.zeros((len(ids), 3))  # start, length, unused
    scanned = 0
    for w in window_lengths(span):
        wn = cn[:, w:] - cn[:, :-w]
        wk = ck[:, w:] - ck[:, :-w]
        rn, rk = tot_n[:, None] - wn, tot_k[:, None] - wk
        llr = _llr(wk, wn, rk, rn)
        llr = np.where((wn >= min_window_support) & (rn >= min_window_support), llr, -np.inf)
        scanned += wn.shape[1]
        j = np.argmax(llr, axis=1)
        val = llr[np.arange(len(ids)), j]
        better = val > best_llr
        best_llr = np.where(better, val, best_llr)
        best[better, 0] = j[better]
        best[better, 1] = w
    found = []
    ok = np.isfinite(best_llr) & (best_llr > 0)
    if not ok.any():
        return []
    rows_i = np.nonzero(ok)[0]
    s = best[rows_i, 0].astype(int)
    w = best[rows_i, 1].astype(int)
    wn = cn[rows_i, s + w] - cn[rows_i, s]
    wk = ck[rows_i, s + w] - ck[rows_i, s]
    p = fisher_upper(wk, wn, tot_k[rows_i], tot_n[rows_i])
    p = np.minimum(1.0, p * scanned)
    rr, lo, hi = risk_ratio(wk, wn, tot_k[rows_i] - wk, np.maximum(tot_n[rows_i] - wn, 1))
    for i, r in enumerate(rows_i):
        rest_n = tot_n[r] - wn[i]
        base = (tot_k[r] - wk[i]) / rest_n if rest_n > 0 else 0.0
        start = first + timedelta(days=int(s[i]))
        found.append(
            Window(
                value=values[int(ids[r])],
                start=start,
                end=start + timedelta(days=int(w[i]) - 1),
                n=int(wn[i]),
                k=int(wk[i]),
                rate=float(wk[i] / wn[i]),
                baseline=float(base),
                risk_ratio=float(rr[i]),
                ci=(float(lo[i]), float(hi[i])),
                excess=float(wk[i] - wn[i] * base),
                p_value=float(p[i]),
                scanned=scanned,
            )
        )
    return found


def _llr(k1: np.ndarray, n1: np.ndarray, k0: np.ndarray, n0: np.ndarray) -> np.ndarray:
    """Binomial log-likelihood ratio for 'rate inside > rate outside' (0 when not higher)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        p1 = np.where(n1 > 0, k1 / n1, 0.0)
        p0 = np.where(n0 > 0, k0 / n0, 0.0)
        pt = np.where(n1 + n0 > 0, (k1 + k0) / (n1 + n0), 0.0)

        def ll(kk: np.ndarray, nn: np.ndarray, pp: np.ndarray) -> np.ndarray:
            a = np.where(kk > 0, kk * np.log(np.where(pp > 0, pp, 1.0)), 0.0)
            b = np.where(nn - kk > 0, (nn - kk) * np.log(np.where(pp < 1, 1 - pp, 1.0)), 0.0)
            return a + b

        llr = ll(k1, n1, p1) + ll(k0, n0, p0) - ll(k1, n1, pt) - ll(k0, n0, pt)
    return np.where(p1 > p0, llr, 0.0)
