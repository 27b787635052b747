"""Each order's timeline: queue, picking, dispatch, delivery attempts, and what is visible.

An order waits in its warehouse's queue, is picked, waits for dispatch, and goes out on one to
three delivery attempts (a re-attempt departs about a day after the previous one). The stages
and their norms (hours), used both to build late deliveries and to name their true cause:

- picking   = picking_end - order_date               norm: warehouse queue + picking medians
- dispatch  = first departure_time - picking_end     norm: warehouse dispatch median + 11 min
- reattempt = last departure_time - first departure   norm: 0
- transit   = last arrival_time - last departure      norm: the route's median transit

A late order's chosen stage is stretched until the delivery misses its promise by the drawn
delay, and further if needed so that stage has the largest excess over its norm. On-time
deliveries are kept within the promise (re-attempts only where the slack allows).

The data is extracted at the end of the last day. Warehouse records are current; fleet
departures reach the extract after a sync lag (exponential, mean 2 days) and delivery
confirmations after a further lag (mean 3 days), so recent orders are mostly still Pending
(picked, not yet seen leaving) or In-Transit (seen leaving, not yet confirmed); 1.5% of older
orders are stuck open (all their records stop at a random point of their timeline).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dfras.generate import causes as cz
from dfras.generate.causes import Plan
from dfras.generate.entities import World
from dfras.generate.orders import Orders
from dfras.generate.outcomes import FAILED, LATE, ON_TIME, RETURNED, Outcomes, pick_slowdown
from dfras.generate.sampling import BoolArray, FloatArray, IntArray, Streams, lognormal

HOUR = 3600
MAX_ATTEMPTS = 3
HANDOVER_MEDIAN_MIN = 11.0
STUCK_SHARE = 0.015
DEPARTURE_LAG_DAYS = 2.0  # mean sync lag of partners' departure records
ARRIVAL_LAG_DAYS = 3.0  # mean further lag of delivery confirmations
STUCK_MIN_AGE_DAYS = 10
STATUS_PENDING, STATUS_IN_TRANSIT, STATUS_DELIVERED, STATUS_FAILED, STATUS_RETURNED = range(5)

# chance of at least one re-attempt, by failure cause (evidence) and for other outcomes
FAIL_REATTEMPT = (0.15, 0.15, 0.25, 0.10, 0.85, 0.60, 0.15, 0.25)
RETURN_REATTEMPT = (0.70, 0.30, 0.20)
ON_TIME_REATTEMPT = 0.20
SECOND_REATTEMPT = 0.30  # chance a re-attempted order needs a third attempt


@dataclass
class Timeline:
    """True event times (epoch seconds) per order, and the extract's view of them."""

    pick_start: IntArray
    pick_end: IntArray
    dispatch: IntArray
    attempts: IntArray  # 1..3
    departure: IntArray  # (n, 3); unused attempts hold -1
    arrival: IntArray  # (n, 3)
    closure: IntArray  # last arrival
    cut_wh: IntArray  # last instant whose warehouse records the extract holds
    cut_dep: IntArray  # ... whose departures (and external factors) it holds
    cut_arr: IntArray  # ... whose arrivals and final statuses it holds
    status: IntArray  # index into vocab.STATUSES
    excess_h: (
        FloatArray  # (n, 4) hours over the norm per stage (picking, dispatch, transit, reattempt)
    )
    late_stage: IntArray  # argmax stage for late deliveries, -1 otherwise

    @property
    def closed(self) -> BoolArray:
        return self.status >= STATUS_DELIVERED


def _stage_excess(t: dict[str, np.ndarray], norms: dict[str, np.ndarray]) -> FloatArray:
    return np.stack(
        [
            (t["pick_end"] - t["ts"]) / HOUR - norms["picking"],
            (t["dep0"] - t["pick_end"]) / HOUR - norms["dispatch"],
            (t["arr_last"] - t["dep_last"]) / HOUR - norms["transit"],
            (t["dep_last"] - t["dep0"]) / HOUR,
        ],
        axis=1,
    )


def _times(
    ts: IntArray,
    q_h: FloatArray,
    pick_min: FloatArray,
    wait_min: FloatArray,
    transit_h: FloatArray,
    spacing_h: FloatArray,
    k: IntArray,
) -> dict[str, np.ndarray]:
    """Event times from stage durations; ``wait_min`` runs from picking end to departure."""
    pick_start = ts + np.rint(q_h * HOUR).astype(np.int64)
    pick_end = pick_start + np.rint(pick_min * 60).astype(np.int64)
    dep0 = pick_end + np.rint(wait_min * 60).astype(np.int64)
    offsets = np.concatenate([np.zeros((len(ts), 1)), np.cumsum(spacing_h, axis=1)], axis=1)
    dep = dep0[:, None] + np.rint(offsets * HOUR).astype(np.int64)
    arr = dep + np.rint(transit_h * HOUR).astype(np.int64)
    used = np.arange(MAX_ATTEMPTS)[None, :] < k[:, None]
    dep, arr = np.where(used, dep, -1), np.where(used, arr, -1)
    last = k - 1
    rows = np.arange(len(ts))
    return {
        "ts": ts, "pick_start": pick_start, "pick_end": pick_end, "dep0": dep0,
        "dep": dep, "arr": arr, "dep_last": dep[rows, last], "arr_last": arr[rows, last],
    }  # fmt: skip


def build_timeline(
    streams: Streams, orders: Orders, world: World, out: Outcomes, plan: Plan, extract_ts: int
) -> Timeline:
    rng = streams.rng("timeline")
    n = orders.count
    w = world.warehouses
    wh = orders.warehouse
    norms = {
        "picking": w.queue_median_h[wh] + w.pick_median_min[wh] / 60,
        "dispatch": (w.dispatch_median_min[wh] + HANDOVER_MEDIAN_MIN) / 60,
        "transit": world.route_transit_h[orders.route],
    }
    immediate = rng.random(n) < 0.2
    q = np.where(
        immediate, rng.uniform(0.02, 0.5, n), lognormal(rng, w.queue_median_h[wh], 0.35, n)
    )
    pick = lognormal(rng, w.pick_median_min[wh], 0.3, n) * pick_slowdown(orders, plan)
    dispatch_min = lognormal(rng, w.dispatch_median_min[wh], 0.35, n)
    handover = rng.uniform(2.0, 20.0, n)
    transit = lognormal(rng, norms["transit"][:, None], 0.3, (n, MAX_ATTEMPTS))
    spacing = rng.uniform(20.0, 28.0, (n, MAX_ATTEMPTS - 1))
    kind, cause = out.kind, out.cause

    # how many attempts, by outcome (and by cause where that is evidence)
    p_again = np.full(n, ON_TIME_REATTEMPT)
    failed, returned = kind == FAILED, kind == RETURNED
    if plan.evidence:
        p_again[failed] = np.asarray(FAIL_REATTEMPT)[cause[failed]]
        p_again[returned] = np.asarray(RETURN_REATTEMPT)[cause[returned]]
    else:
        p_again[failed | returned] = ON_TIME_REATTEMPT
    extra = (rng.random(n) < p_again).astype(np.int64)
    extra += (extra == 1) & (rng.random(n) < SECOND_REATTEMPT)
    late = kind == LATE
    extra[late] = 0

    # traces of the true cause in the timings (failures; default scenario)
    if plan.evidence:
        slow = failed & (cause == cz.WH_DELAY)
        which = rng.random(n)
        pick = np.where(slow & (which < 0.7), pick * rng.uniform(3.0, 6.0, n), pick)
        dispatch_min = np.where(
            slow & (which >= 0.5), dispatch_min * rng.uniform(3.0, 6.0, n), dispatch_min
        )
        jam = failed & (cause == cz.TRAFFIC)
        transit[jam] *= rng.uniform(2.0, 3.0, (int(jam.sum()), 1))
        pick = np.where(late & (cause == cz.PICKING), pick * rng.uniform(2.0, 4.0, n), pick)
    wait = dispatch_min + handover

    promise_h = orders.promised_days * 24.0
    # on-time deliveries: drop re-attempts that do not fit, then squeeze the queue if needed
    on_time = kind == ON_TIME
    base = q + (pick + wait) / 60
    for _ in range(2):
        total = base + spacing[:, 0] * (extra >= 1) + spacing[:, 1] * (extra >= 2)
        total += transit[np.arange(n), extra]
        extra = np.where(on_time & (total > promise_h - 0.25) & (extra > 0), extra - 1, extra)
    total = base + spacing[:, 0] * (extra >= 1) + spacing[:, 1] * (extra >= 2)
    total += transit[np.arange(n), extra]
    over = on_time & (total > promise_h - 0.25)
    q = np.where(over, np.maximum(0.02, q - (total - (promise_h - 0.25))), q)

    # late deliveries: stretch the chosen stage past the promise by the drawn delay
    stage = np.where(late, cause, -1)
    need = np.clip(promise_h + out.delay_h - (q + (pick + wait) / 60 + transit[:, 0]), 0.0, None)
    q = np.where(stage == cz.PICKING, q + need, q)
    wait = np.where(stage == cz.DISPATCH, wait + need * 60, wait)
    transit[:, 0] = np.where(stage == cz.TRANSIT, transit[:, 0] + need, transit[:, 0])
    again = stage == cz.REATTEMPT
    transit[again] = transit[again, :1]
    extra[again] = 1 + (need[again] > 30)
    gap = np.maximum(need / np.maximum(extra, 1), transit.max(axis=1) + 0.5)
    spacing = np.where(again[:, None], gap[:, None], spacing)

    k = extra + 1
    t = _times(orders.ts, q, pick, wait, transit, spacing, k)
    excess = _stage_excess(t, norms)
    # make the chosen stage the one with the largest excess over its norm
    rows = np.flatnonzero(late)
    own = excess[rows, stage[rows]]
    others = excess[rows].copy()
    others[np.arange(len(rows)), stage[rows]] = -np.inf
    short = np.clip(others.max(axis=1) - own + 0.5, 0.0, None)
    if np.any(short > 0):
        add = np.zeros(n)
        add[rows] = short
        q = np.where(stage == cz.PICKING, q + add, q)
        wait = np.where(stage == cz.DISPATCH, wait + add * 60, wait)
        transit[:, 0] = np.where(stage == cz.TRANSIT, transit[:, 0] + add, transit[:, 0])
        spacing[:, 0] = np.where(stage == cz.REATTEMPT, spacing[:, 0] + add, spacing[:, 0])
        t = _times(orders.ts, q, pick, wait, transit, spacing, k)
        excess = _stage_excess(t, norms)

    closure = t["arr_last"]
    # the extract's view: warehouse records are current; a partner's departure records reach it
    # after a sync lag and delivery confirmations after a further lag (so recent orders are
    # still Pending or In-Transit); stuck orders stop at a random point of their timeline
    dep_lag = (rng.exponential(DEPARTURE_LAG_DAYS, n) * 86_400).astype(np.int64)
    arr_lag = (rng.exponential(ARRIVAL_LAG_DAYS, n) * 86_400).astype(np.int64)
    cut_wh = np.full(n, extract_ts, dtype=np.int64)
    cut_dep = np.maximum(orders.ts, extract_ts - dep_lag)
    cut_arr = np.maximum(orders.ts, cut_dep - arr_lag)
    old = (closure <= cut_arr) & (orders.ts < extract_ts - STUCK_MIN_AGE_DAYS * 86_400)
    stuck = old & (rng.random(n) < STUCK_SHARE)
    frac = rng.random(int(stuck.sum()))
    halt = orders.ts[stuck] + (frac * (closure - orders.ts)[stuck]).astype(np.int64)
    cut_wh[stuck], cut_dep[stuck], cut_arr[stuck] = halt, halt, halt

    dep, arr = t["dep"], t["arr"]
    shown = (dep >= 0) & (dep <= cut_dep[:, None])
    moving = (shown & (arr > cut_arr[:, None])).any(axis=1)
    status = np.where(moving, STATUS_IN_TRANSIT, STATUS_PENDING)
    done = closure <= cut_arr
    final = np.choose(
        np.clip(kind, 0, 3), [STATUS_DELIVERED, STATUS_DELIVERED, STATUS_FAILED, STATUS_RETURNED]
    )
    status = np.where(done, final, status).astype(np.int64)
    late_stage = np.where(done & late, np.argmax(excess, axis=1), -1)
    return Timeline(
        pick_start=t["pick_start"], pick_end=t["pick_end"],
        dispatch=t["dep0"] - np.rint(handover * 60).astype(np.int64),
        attempts=k, departure=dep, arrival=arr, closure=closure,
        cut_wh=cut_wh, cut_dep=cut_dep, cut_arr=cut_arr,
        status=status, excess_h=excess, late_stage=late_stage.astype(np.int64),
    )  # fmt: skip
