"""External events: days on which a condition (storm, heavy traffic, strike, festival…) hit a
city's orders far more than usual.

The external-factor records are per order. An *event* is a window of 1–7 days in one city where
the share of orders recording a condition stands above the city's usual share of it: conditional
on the city's total of such records, the window's count is Binomial(total, window's share of
the city's covered orders) — the exact test the anomaly scan uses — with the false discovery
rate controlled over every (city, condition, window) tried. An event also needs at least
``MIN_HITS`` orders, a share of at least ``MIN_SHARE`` and ``MIN_RATIO`` times the usual share
(a condition scattered over random orders, as in the sample data, is never an event).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from scipy.stats import binom

from dfras.stats.proportions import bh_qvalues

LENGTHS = tuple(range(1, 8))
MIN_HITS = 3
MIN_SHARE = 0.5
MIN_RATIO = 2.0


@dataclass
class Event:
    city: str
    factor: str  # weather_condition | traffic_condition | event_type
    value: str
    start: date
    end: date
    hits: int
    covered: int
    share: float
    usual_share: float
    p_value: float
    q_value: float

    @property
    def key(self) -> str:
        return f"{self.value} in {self.city} {self.start.isoformat()}..{self.end.isoformat()}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "city": self.city,
            "factor": self.factor,
            "value": self.value,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "orders_with_condition": self.hits,
            "orders_recorded": self.covered,
            "share": round(self.share, 4),
            "usual_share": round(self.usual_share, 4),
            "p_value": self.p_value,
            "q_value": self.q_value,
        }


def find_events(
    hits_rows: list[dict[str, Any]], covered_rows: list[dict[str, Any]], *, fdr: float
) -> tuple[list[Event], int]:
    """Events from per-(city, day, factor, value) hits and per-(city, day) coverage; also
    returns the number of windows tested."""
    if not hits_rows or not covered_rows:
        return [], 0
    days = sorted({r["day"] for r in covered_rows})
    first, span = days[0], (days[-1] - days[0]).days + 1
    cities = sorted({r["city"] for r in covered_rows})
    ci = {c: i for i, c in enumerate(cities)}
    cov = np.zeros((len(cities), span))
    for row in covered_rows:
        cov[ci[row["city"]], (row["day"] - first).days] += row["covered"]
    keys = sorted({(x["city"], x["factor"], x["value"]) for x in hits_rows if x["city"] in ci})
    ki = {k: i for i, k in enumerate(keys)}
    hits = np.zeros((len(keys), span))
    for row in hits_rows:
        key = (row["city"], row["factor"], row["value"])
        if key in ki:
            hits[ki[key], (row["day"] - first).days] += row["hits"]
    cov_rows = cov[[ci[k[0]] for k in keys]]
    tot_h, tot_c = hits.sum(axis=1), cov_rows.sum(axis=1)
    ch = np.concatenate([np.zeros((len(keys), 1)), np.cumsum(hits, axis=1)], axis=1)
    cc = np.concatenate([np.zeros((len(keys), 1)), np.cumsum(cov_rows, axis=1)], axis=1)
    rows_: list[np.ndarray] = []
    starts_: list[np.ndarray] = []
    lens_: list[np.ndarray] = []
    hw_: list[np.ndarray] = []
    cw_: list[np.ndarray] = []
    p_: list[np.ndarray] = []
    for length in LENGTHS:
        if length >= span:
            continue
        wh = ch[:, length:] - ch[:, :-length]
        wc = cc[:, length:] - cc[:, :-length]
        ok = (wc > 0) & (wc < tot_c[:, None]) & (tot_h[:, None] > 0)
        r, s = np.nonzero(ok)
        h, c = wh[r, s], wc[r, s]
        pi = c / tot_c[r]
        p = np.ones(len(r))
        up = h > tot_h[r] * pi
        p[up] = binom.sf(h[up] - 1, tot_h[r][up], pi[up])
        rows_.append(r)
        starts_.append(s)
        lens_.append(np.full(len(r), length))
        hw_.append(h)
        cw_.append(c)
        p_.append(p)
    if not rows_:
        return [], 0
    r, s, ln, h, c, p = (
        np.concatenate(rows_),
        np.concatenate(starts_),
        np.concatenate(lens_),
        np.concatenate(hw_),
        np.concatenate(cw_),
        np.concatenate(p_),
    )
    q = bh_qvalues(p)
    usual = np.where(tot_c[r] - c > 0, (tot_h[r] - h) / np.maximum(tot_c[r] - c, 1), 0.0)
    share = h / np.maximum(c, 1)
    keep = (q <= fdr) & (h >= MIN_HITS) & (share >= MIN_SHARE) & (share >= MIN_RATIO * usual)
    idx = np.nonzero(keep)[0]
    # the densest windows first (an event is where the condition hit most orders), so a long
    # window padded with ordinary days around the event never stands for it; touching windows
    # are merged afterwards
    idx = idx[np.lexsort((p[idx], -share[idx]))]
    taken: dict[int, list[tuple[int, int]]] = {}
    found: list[Event] = []
    for i in idx:
        ri, st, length = int(r[i]), int(s[i]), int(ln[i])
        spans = taken.setdefault(ri, [])
        if any(st <= e and st + length - 1 >= b for b, e in spans):
            continue
        spans.append((st, st + length - 1))
        city, factor, value = keys[ri]
        found.append(
            Event(
                city=city,
                factor=factor,
                value=value,
                start=first + timedelta(days=st),
                end=first + timedelta(days=st + length - 1),
                hits=int(h[i]),
                covered=int(c[i]),
                share=float(share[i]),
                usual_share=float(usual[i]),
                p_value=float(p[i]),
                q_value=float(q[i]),
            )
        )
    return _merge_adjacent(found), len(p)


def _merge_adjacent(events: list[Event]) -> list[Event]:
    """Windows of the same city and condition that touch are one event."""
    events.sort(key=lambda e: (e.city, e.factor, e.value, e.start))
    out: list[Event] = []
    for e in events:
        last = out[-1] if out else None
        if (
            last
            and (last.city, last.factor, last.value) == (e.city, e.factor, e.value)
            and e.start <= last.end + timedelta(days=1)
        ):
            hits, covered = last.hits + e.hits, last.covered + e.covered
            out[-1] = Event(
                city=e.city,
                factor=e.factor,
                value=e.value,
                start=last.start,
                end=max(last.end, e.end),
                hits=hits,
                covered=covered,
                share=hits / max(covered, 1),
                usual_share=min(last.usual_share, e.usual_share),
                p_value=min(last.p_value, e.p_value),
                q_value=min(last.q_value, e.q_value),
            )
        else:
            out.append(e)
    return out
