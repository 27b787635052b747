"""Rows of the four log tables: warehouse logs, fleet logs, external factors, feedback.

Rows come from each order's timeline and evidence, cut at what the extract can see, with the
sample's irregularities: some orders are picked twice (an aborted pick without dispatch, then
the real one), ~3% of warehouse logs start picking slightly before the order was placed (a
warehouse clock running behind), one fleet log per delivery attempt (the last attempt decides
the outcome), external factors for ~95% of orders (a few recorded twice), feedback for ~40%
of closed orders (a few twice) with a sentiment that disagrees with the text in ~15%.
Rows are numbered in the order their first timestamp happened.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from dfras.generate import messiness as mess
from dfras.generate import vocab
from dfras.generate.causes import Plan
from dfras.generate.entities import World
from dfras.generate.evidence import WAREHOUSE_NOTE_MIX, Evidence, feedback_texts
from dfras.generate.orders import Orders
from dfras.generate.sampling import IntArray, Streams, categorical
from dfras.generate.timeline import Timeline
from dfras.generate.writer import Ints, Stamps, Table, Text

HOUR = 3600
REPICK_SHARE = 0.07
SKEW_SHARE_OF_QUICK = 0.15
EXTERNAL_SHARE = 0.95
EXTERNAL_TWICE = 0.08
FEEDBACK_SHARE = 0.40
FEEDBACK_TWICE = 0.10
SENTIMENT_FLIP = 0.15


def _order_rows(time: IntArray, order: IntArray) -> IntArray:
    """Row order: by first timestamp, then order id."""
    return np.lexsort((order, time))


def warehouse_logs(streams: Streams, orders: Orders, t: Timeline, ev: Evidence) -> Table:
    rng = streams.rng("warehouse-logs")
    n = orders.count
    queue = t.pick_start - orders.ts
    seen = t.pick_start <= t.cut_wh
    # clock skew: quick picks recorded as starting a few minutes before the order
    skewed = seen & (queue < HOUR // 2) & (rng.random(n) < SKEW_SHARE_OF_QUICK)
    shift = np.where(skewed, queue + rng.integers(60, 900, n), 0)
    # an aborted first pick for some orders that waited long enough
    repick = seen & (queue >= HOUR) & (rng.random(n) < REPICK_SHARE)
    r_start = orders.ts + (queue * rng.uniform(0.1, 0.5, n)).astype(np.int64)
    r_end = np.minimum(
        r_start + ((t.pick_end - t.pick_start) * rng.uniform(0.3, 1.0, n)).astype(np.int64),
        t.pick_start - 60,
    )
    r_note = categorical(rng, WAREHOUSE_NOTE_MIX, n)

    first = np.flatnonzero(repick)
    final = np.flatnonzero(seen)
    order = np.concatenate([first, final])
    start = np.concatenate([r_start[first], t.pick_start[final] - shift[final]])
    end = np.concatenate([r_end[first], t.pick_end[final] - shift[final]])
    dispatch = np.concatenate([np.zeros(len(first), np.int64), t.dispatch[final] - shift[final]])
    true_end = np.concatenate([r_end[first], t.pick_end[final]])
    true_dispatch = np.concatenate([np.zeros(len(first), np.int64), t.dispatch[final]])
    cutoff = t.cut_wh[order]
    has_dispatch = np.concatenate([np.zeros(len(first), bool), np.ones(len(final), bool)])
    notes = np.concatenate([r_note[first], ev.warehouse_note[final]])

    rows = _order_rows(start, order)
    order, start, end, dispatch, notes = (
        order[rows],
        start[rows],
        end[rows],
        dispatch[rows],
        notes[rows],
    )
    end_seen = true_end[rows] <= cutoff[rows]
    dispatch_seen = has_dispatch[rows] & (true_dispatch[rows] <= cutoff[rows])
    m = len(order)
    return Table(
        "warehouse_logs",
        (
            "log_id",
            "order_id",
            "warehouse_id",
            "picking_start",
            "picking_end",
            "dispatch_time",
            "notes",
        ),
        (
            Ints(np.arange(1, m + 1)),
            Ints(order + 1),
            Ints(orders.warehouse[order] + 1),
            Stamps(start),
            Stamps(end, end_seen),
            Stamps(dispatch, dispatch_seen),
            Text(mess.from_vocab(vocab.WAREHOUSE_NOTES, notes)),
        ),
        m,
    )


def fleet_logs(streams: Streams, orders: Orders, world: World, t: Timeline, ev: Evidence) -> Table:
    rng = streams.rng("fleet-logs")
    dep, arr = t.departure, t.arrival
    seen = (dep >= 0) & (dep <= t.cut_dep[:, None])
    order, attempt = np.nonzero(seen)
    departure = dep[order, attempt]
    rows = _order_rows(departure, order)
    order, attempt, departure = order[rows], attempt[rows], departure[rows]
    arrival = arr[order, attempt]
    m = len(order)
    driver = orders.driver[order]
    route_no = orders.route[order] + 1  # R1..R10 in the first city, R11..R20 in the next...
    return Table(
        "fleet_logs",
        (
            "fleet_log_id",
            "order_id",
            "driver_id",
            "vehicle_number",
            "route_code",
            "gps_delay_notes",
            "departure_time",
            "arrival_time",
            "created_at",
        ),
        (
            Ints(np.arange(1, m + 1)),
            Ints(order + 1),
            Ints(driver + 1),
            Text(world.drivers.vehicle.take(pa.array(driver))),
            Text(mess.join("R", mess.int_text(route_no))),
            Text(mess.from_vocab(vocab.GPS_NOTES, ev.gps_note[order, attempt])),
            Stamps(departure),
            Stamps(arrival, arrival <= t.cut_arr[order]),
            Stamps(departure - rng.integers(60, 1800, m)),
        ),
        m,
    )


def external_factors(streams: Streams, orders: Orders, t: Timeline, ev: Evidence) -> Table:
    rng = streams.rng("external-factors")
    n = orders.count
    has = rng.random(n) < EXTERNAL_SHARE
    dep0 = t.departure[:, 0]
    early = orders.ts + np.minimum(rng.integers(0, 2 * HOUR, n), t.cut_wh - orders.ts)
    first = np.where((dep0 >= 0) & (dep0 <= t.cut_dep), dep0, early)
    second = first + rng.integers(HOUR, 12 * HOUR, n)
    twice = has & (rng.random(n) < EXTERNAL_TWICE) & (second <= t.cut_dep)
    a, b = np.flatnonzero(has), np.flatnonzero(twice)
    order = np.concatenate([a, b])
    recorded = np.concatenate([first[a], second[b]])
    rows = _order_rows(recorded, order)
    order, recorded = order[rows], recorded[rows]
    m = len(order)
    return Table(
        "external_factors",
        (
            "factor_id",
            "order_id",
            "traffic_condition",
            "weather_condition",
            "event_type",
            "recorded_at",
        ),
        (
            Ints(np.arange(1, m + 1)),
            Ints(order + 1),
            Text(mess.from_vocab(vocab.TRAFFIC, ev.traffic[order])),
            Text(mess.from_vocab(vocab.WEATHER, ev.weather[order])),
            Text(mess.from_vocab(vocab.EVENTS, orders.event[order])),
            Stamps(recorded),
        ),
        m,
    )


def feedback(
    streams: Streams,
    orders: Orders,
    world: World,
    t: Timeline,
    ev: Evidence,
    plan: Plan,
    extract_ts: int,
) -> Table:
    rng = streams.rng("feedback")
    n = orders.count
    first = t.closure + rng.integers(HOUR // 2, 72 * HOUR, n)
    second = first + rng.integers(HOUR, 48 * HOUR, n)
    has = t.closed & (rng.random(n) < FEEDBACK_SHARE) & (first <= extract_ts)
    twice = has & (rng.random(n) < FEEDBACK_TWICE) & (second <= extract_ts)
    a, b = np.flatnonzero(has), np.flatnonzero(twice)
    order = np.concatenate([a, b])
    created = np.concatenate([first[a], second[b]])
    rows = _order_rows(created, order)
    order, created = order[rows], created[rows]
    m = len(order)
    text = feedback_texts(rng, ev.feedback_group[order], uniform=not plan.evidence)
    truth = np.array([vocab.SENTIMENTS.index(s) for _, s in vocab.FEEDBACK])[text]
    flip = rng.random(m) < SENTIMENT_FLIP
    sentiment = np.where(flip, (truth + rng.integers(1, 3, m)) % 3, truth)
    u = rng.random(m)
    rating = np.select(
        [truth == 0, truth == 1],
        [np.where(u < 0.4, 4, 5), np.where(u < 0.6, 1, 2)],
        np.where(u < 0.2, 2, np.where(u < 0.8, 3, 4)),
    )
    names = world.customers.name.take(pa.array(orders.customer[order]))
    return Table(
        "feedback",
        (
            "feedback_id",
            "order_id",
            "customer_name",
            "feedback_text",
            "sentiment",
            "rating",
            "created_at",
        ),
        (
            Ints(np.arange(1, m + 1)),
            Ints(order + 1),
            Text(names),
            Text(mess.from_vocab(vocab.FEEDBACK_TEXTS, text)),
            Text(mess.from_vocab(vocab.SENTIMENTS, sentiment)),
            Ints(rating.astype(np.int64)),
            Stamps(created),
        ),
        m,
    )
