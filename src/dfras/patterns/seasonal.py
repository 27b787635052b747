"""Seasonal profiles: outcome rates that depend on the weekday or the hour of the order.

For the whole network the profile is tested against flat (the same rate on every weekday, or in
every 4-hour block of the day); for an entity it is tested against the network's own profile
scaled to the entity's rate, so each city does not repeat the network's evening peak — only a
profile of its own is reported. The test is Pearson's χ² of the outcome counts per class against
their expected counts given the volume of each class, with (classes − 1) degrees of freedom,
run only where every expected count is at least ``MIN_EXPECTED`` (the χ² approximation holds).
A reported profile also needs a meaningful effect: its peak (or trough) class's rate, against
the rest of the entity, at least ``MIN_RATIO`` times higher (or lower).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2

from dfras.stats.proportions import risk_ratio

MIN_EXPECTED = 5.0
MIN_RATIO = 1.3
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HOUR_BLOCK = 4


def hour_labels() -> tuple[str, ...]:
    return tuple(f"{h:02d}:00-{h + HOUR_BLOCK - 1:02d}:59" for h in range(0, 24, HOUR_BLOCK))


@dataclass
class Profile:
    row: int
    kind: str  # weekday | hour
    statistic: float
    df: int
    p_value: float
    peak: int  # class index of the strongest deviation
    direction: str  # higher | lower
    ratio: float
    ci: tuple[float, float]
    rates: list[float]
    volumes: list[int]


def test_profiles(n: np.ndarray, k: np.ndarray, network: int | None, *, kind: str) -> list[Profile]:
    """χ² tests of rows of per-class counts (rows × classes); ``network`` is the row of the
    whole network (tested against flat, and its profile is the reference of the others)."""
    rows = n.shape[0]
    ref = np.ones(n.shape[1])
    if network is not None and n[network].sum() > 0:
        rn, rk = n[network], k[network]
        overall = rk.sum() / rn.sum()
        ref = np.where(rn > 0, (rk / np.maximum(rn, 1.0)) / max(overall, 1e-12), 1.0)
    out: list[Profile] = []
    for r in range(rows):
        nn, kk = n[r], k[r]
        tot_n, tot_k = nn.sum(), kk.sum()
        if tot_n == 0 or tot_k == 0:
            continue
        shape = np.ones_like(ref) if r == network else ref
        used = nn > 0
        expected = nn * shape
        expected = expected * tot_k / max(expected[used].sum(), 1e-12)
        if used.sum() < 2 or (expected[used] < MIN_EXPECTED).any():
            continue
        stat = float((((kk - expected) ** 2) / np.maximum(expected, 1e-12))[used].sum())
        df = int(used.sum()) - 1
        ratio_obs = np.where(expected > 0, kk / np.maximum(expected, 1e-12), 1.0)
        dev = np.where(used, np.abs(np.log(np.maximum(ratio_obs, 1e-9))), -1.0)
        peak = int(np.argmax(dev))
        rr, lo, hi = risk_ratio(kk[peak], nn[peak], tot_k - kk[peak], max(tot_n - nn[peak], 1))
        out.append(
            Profile(
                row=r,
                kind=kind,
                statistic=stat,
                df=df,
                p_value=float(chi2.sf(stat, df)),
                peak=peak,
                direction="higher" if ratio_obs[peak] >= 1 else "lower",
                ratio=float(rr),
                ci=(float(lo), float(hi)),
                rates=[float(x) for x in np.where(nn > 0, kk / np.maximum(nn, 1.0), 0.0)],
                volumes=[int(x) for x in nn],
            )
        )
    return out


def meaningful(p: Profile) -> bool:
    return p.ratio >= MIN_RATIO or p.ratio <= 1 / MIN_RATIO


def by_weekday(n: np.ndarray, k: np.ndarray, weekday: np.ndarray) -> tuple[np.ndarray, ...]:
    """Day columns summed into weekday classes."""
    return tuple(
        np.stack([m[:, weekday == w].sum(axis=1) for w in range(7)], axis=1) for m in (n, k)
    )
