"""Traces each true cause leaves in the logs, on top of background noise.

Every log field first gets a background value (notes, conditions, feedback drawn with fixed
rates, independent of everything), then, in scenarios with evidence, closed orders get the
traces of their true cause, e.g. a stockout failure gets the warehouse note 'Stock delay on
item' 95% of the time and, if the customer wrote feedback, 'Package cancelled due to stock
issue.' 75% of the time. The timing traces (slow picking, long transit, re-attempts) are made
in ``timeline``. The ``null`` scenario keeps the background only, so nothing in the logs
relates to any outcome.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dfras.generate import causes as cz
from dfras.generate import vocab
from dfras.generate.causes import Plan
from dfras.generate.orders import Orders
from dfras.generate.outcomes import FAILED, LATE, ON_TIME, RETURNED, Outcomes
from dfras.generate.sampling import BoolArray, IntArray, Streams, categorical, categorical_rows
from dfras.generate.timeline import MAX_ATTEMPTS, Timeline

WAREHOUSE_NOTE_MIX = (0.82, 0.06, 0.04, 0.08)  # none, Stock delay, System issue, Slow packing
GPS_NOTE_MIX = (0.81, 0.05, 0.10, 0.04)  # none, Address not found, Heavy congestion, Breakdown
LINE2_BLANK_SHARE = 0.02
NOTE_STOCK, NOTE_SYSTEM, NOTE_SLOW = 1, 2, 3
GPS_NOT_FOUND, GPS_CONGESTION, GPS_BREAKDOWN = 1, 2, 3
HEAVY = vocab.TRAFFIC.index("Heavy")
STORM, RAIN = vocab.WEATHER.index("Storm"), vocab.WEATHER.index("Rain")

# feedback text mix (indices into vocab.FEEDBACK) per outcome group
_T = len(vocab.FEEDBACK)


def _mix(**shares: float) -> list[float]:
    row = [0.0] * _T
    names = {
        "late": vocab.FB_LATE, "polite_delayed": vocab.FB_POLITE_DELAYED,
        "stock": vocab.FB_STOCK, "wrong_address": vocab.FB_WRONG_ADDRESS,
        "good": vocab.FB_GOOD, "damaged": vocab.FB_DAMAGED, "returned": vocab.FB_RETURNED,
        "never_came": vocab.FB_NEVER_CAME, "polite": vocab.FB_POLITE,
    }  # fmt: skip
    for name, share in shares.items():
        row[names[name]] = share
    return row


G_ON_TIME, G_LATE, G_STOCK, G_ADDRESS, G_FAIL_OTHER, G_RET_ADDRESS, G_REFUSED, G_DAMAGED = range(8)
FEEDBACK_MIX = np.array(
    [
        _mix(good=0.80, polite=0.15, polite_delayed=0.05),
        _mix(late=0.50, polite_delayed=0.40, good=0.10),
        _mix(stock=0.75, never_came=0.25),
        _mix(wrong_address=0.70, never_came=0.30),
        _mix(never_came=0.60, late=0.40),
        _mix(wrong_address=0.70, returned=0.30),
        _mix(returned=0.50, polite=0.50),
        _mix(damaged=0.85, returned=0.15),
    ]
)


@dataclass
class Evidence:
    warehouse_note: IntArray  # note on the order's final warehouse log (vocab.WAREHOUSE_NOTES)
    gps_note: IntArray  # (n, 3) note per delivery attempt (vocab.GPS_NOTES)
    traffic: IntArray
    weather: IntArray
    line2_blank: BoolArray
    feedback_group: IntArray  # row of FEEDBACK_MIX, -1 for open orders


def _set(
    rng: np.random.Generator, arr: IntArray, mask: BoolArray, value: int, share: float
) -> None:
    """Set ``arr[mask]`` to ``value`` with probability ``share`` each."""
    hit = mask & (rng.random(len(mask)) < share)
    arr[hit] = value


def build_evidence(
    streams: Streams, orders: Orders, out: Outcomes, timeline: Timeline, plan: Plan
) -> Evidence:
    rng = streams.rng("evidence")
    n = orders.count
    wh_note = categorical(rng, WAREHOUSE_NOTE_MIX, n)
    gps = categorical(rng, GPS_NOTE_MIX, n * MAX_ATTEMPTS).reshape(n, MAX_ATTEMPTS)
    traffic, weather = orders.traffic.copy(), orders.weather.copy()
    line2_blank = rng.random(n) < LINE2_BLANK_SHARE
    closed = timeline.closed
    kind, cause = out.kind, out.cause
    group = np.full(n, -1, dtype=np.int64)
    if not plan.evidence:
        group[closed] = G_ON_TIME  # placeholder: null feedback texts are drawn uniformly
        return Evidence(wh_note, gps, traffic, weather, line2_blank, group)

    failed = closed & (kind == FAILED)
    returned = closed & (kind == RETURNED)
    last = np.zeros_like(gps, dtype=bool)
    last[np.arange(n), timeline.attempts - 1] = True
    gps_last = gps[np.arange(n), timeline.attempts - 1]

    def fail(c: int) -> BoolArray:
        return failed & (cause == c)

    def ret(c: int) -> BoolArray:
        return returned & (cause == c)

    _set(rng, wh_note, fail(cz.STOCKOUT), NOTE_STOCK, 0.95)
    _set(rng, wh_note, fail(cz.SYSTEM), NOTE_SYSTEM, 0.95)
    _set(rng, wh_note, fail(cz.WH_DELAY), NOTE_SLOW, 0.70)
    _set(rng, traffic, fail(cz.TRAFFIC), HEAVY, 0.95)
    _set(rng, gps_last, fail(cz.TRAFFIC), GPS_CONGESTION, 0.92)
    address = fail(cz.BAD_ADDRESS) | ret(cz.RET_ADDRESS)
    _set(rng, gps_last, address, GPS_NOT_FOUND, 0.92)
    line2_blank |= address & (rng.random(n) < 0.60)
    _set(rng, gps_last, fail(cz.BREAKDOWN), GPS_BREAKDOWN, 0.92)
    late_transit = closed & (kind == LATE) & (timeline.late_stage == cz.TRANSIT)
    _set(rng, gps_last, late_transit, GPS_CONGESTION, 0.40)
    gps[last] = gps_last
    earlier = ~last & (timeline.departure >= 0)
    lost = (timeline.departure >= 0) & fail(cz.NOT_FOUND)[:, None]
    gps[lost & (rng.random(gps.shape) < 0.92)] = GPS_NOT_FOUND
    broke = earlier & fail(cz.BREAKDOWN)[:, None] & (rng.random(gps.shape) < 0.5)
    gps[broke] = GPS_BREAKDOWN
    bad_weather = fail(cz.WEATHER) & (weather != STORM)
    weather[bad_weather] = np.where(rng.random(int(bad_weather.sum())) < 0.9, STORM, RAIN)

    group[closed & (kind == ON_TIME)] = G_ON_TIME
    group[closed & (kind == LATE)] = G_LATE
    group[failed] = G_FAIL_OTHER
    group[fail(cz.STOCKOUT)] = G_STOCK
    group[fail(cz.BAD_ADDRESS) | fail(cz.NOT_FOUND)] = G_ADDRESS
    group[ret(cz.RET_ADDRESS)] = G_RET_ADDRESS
    group[ret(cz.RET_REFUSED)] = G_REFUSED
    group[ret(cz.RET_DAMAGED)] = G_DAMAGED
    return Evidence(wh_note, gps, traffic, weather, line2_blank, group)


def feedback_texts(rng: np.random.Generator, group: IntArray, uniform: bool) -> IntArray:
    """A feedback text index per row, from its outcome group (or uniformly, without evidence)."""
    if uniform:
        return rng.integers(0, _T, len(group)).astype(np.int64)
    return categorical_rows(rng, FEEDBACK_MIX[group])
