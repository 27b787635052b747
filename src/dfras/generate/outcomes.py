"""The outcome model: per-order probabilities, the drawn outcome, its true and recorded cause.

Failures use one hazard per failure cause: every order starts from the base rate split by the
base cause mix, planted causes raise (or shift) the hazard of their cause on the orders they
match, and customers with habitually wrong addresses (background, default scenario only)
raise 'Incorrect address'. ``p_fail`` is the sum of the hazards (capped at 0.9); a failed
order's true cause is drawn in proportion to them. Late deliveries work the same way with one
hazard per delay stage; returns have a constant probability and their own cause mix.

Every order gets a *would-be* outcome (delivered on time, late, failed, returned); whether it
shows depends on the timeline (recent orders are still open). A failed order's recorded
``failure_reason`` is its true cause 75% of the time and a random other reason otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dfras.generate import causes as cz
from dfras.generate.causes import Plan, Planted
from dfras.generate.entities import World
from dfras.generate.orders import Orders, planted_mask
from dfras.generate.sampling import (
    BoolArray,
    FloatArray,
    IntArray,
    Streams,
    categorical,
    categorical_rows,
    lognormal,
)

ON_TIME, LATE, FAILED, RETURNED = range(4)
DELAY_MEDIAN_H = 10.0  # median hours a late delivery misses its promise by


@dataclass
class Outcomes:
    p_fail: FloatArray
    p_return: FloatArray
    p_late: FloatArray
    kind: IntArray  # ON_TIME, LATE, FAILED or RETURNED (would-be outcome)
    cause: IntArray  # index into FAILURE_CAUSES / RETURN_CAUSES / LATE_STAGES, -1 if on time
    recorded: IntArray  # index into FAILURE_CAUSES for failures, -1 otherwise
    delay_h: FloatArray  # for late orders: hours past the promise (before stage adjustment)


def _mask(p: Planted, orders: Orders) -> BoolArray:
    return planted_mask(orders, p.match, p.hours, p.days)


def failure_hazards(orders: Orders, world: World, plan: Plan, skip: str = "") -> FloatArray:
    """Hazard per order and failure cause (rows sum to ``p_fail``), without planted ``skip``."""
    n = orders.count
    h = np.tile(plan.base_fail * np.asarray(cz.FAILURE_MIX), (n, 1))
    if plan.background:
        bad = world.customers.bad_address[orders.customer]
        h[bad, cz.BAD_ADDRESS] *= cz.BAD_ADDRESS_CUSTOMER_MULTIPLIER
    effects = [p for p in plan.planted if p.outcome == "failure" and p.id != skip]
    for p in sorted(effects, key=lambda e: e.mode == "shift"):  # shifts last
        m = _mask(p, orders)
        c = p.cause_index
        if p.mode == "add":
            h[m, c] += (p.multiplier - 1.0) * plan.base_fail
        elif p.mode == "shift":
            rows = h[m]
            total = rows.sum(axis=1)
            target = rows[:, c] * p.multiplier
            others = total - rows[:, c]
            scale = np.clip((total - target) / np.where(others > 0, others, 1.0), 0.0, None)
            rows *= scale[:, None]
            rows[:, c] = target
            h[m] = rows
    total = h.sum(axis=1)
    over = total > cz.MAX_FAIL
    h[over] *= (cz.MAX_FAIL / total[over])[:, None]
    return h


def late_hazards(orders: Orders, plan: Plan, skip: str = "") -> FloatArray:
    """Hazard per order and delay stage (rows sum to ``p_late``), without planted ``skip``."""
    n = orders.count
    h = np.tile(plan.base_late * np.asarray(cz.LATE_MIX), (n, 1))
    for p in plan.planted:
        if p.outcome != "late" or p.id == skip:
            continue
        m = _mask(p, orders)
        c = p.cause_index
        if p.mode == "trend":
            h[m, c] += (p.growth(orders.day[m]) - 1.0) * plan.base_late
        else:
            h[m, c] += (p.multiplier - 1.0) * plan.base_late
    total = h.sum(axis=1)
    over = total > cz.MAX_LATE
    h[over] *= (cz.MAX_LATE / total[over])[:, None]
    return h


def pick_slowdown(orders: Orders, plan: Plan) -> FloatArray:
    """Factor on picking minutes from planted trends (1 where none applies)."""
    factor = np.ones(orders.count)
    for p in plan.planted:
        if p.mode == "trend":
            m = _mask(p, orders)
            factor[m] = p.growth(orders.day[m])
    return factor


def draw_outcomes(streams: Streams, orders: Orders, world: World, plan: Plan) -> Outcomes:
    """Probabilities, would-be outcomes, true causes and recorded reasons of all orders."""
    n = orders.count
    fail_h = failure_hazards(orders, world, plan)
    late_h = late_hazards(orders, plan)
    p_fail = fail_h.sum(axis=1)
    p_late = late_h.sum(axis=1)
    p_return = np.full(n, plan.base_return)

    rng = streams.rng("outcomes")
    u = rng.random(n)
    failed = u < p_fail
    returned = ~failed & (u < p_fail + p_return)
    late = ~failed & ~returned & (rng.random(n) < p_late)
    kind = np.full(n, ON_TIME, dtype=np.int64)
    kind[late], kind[failed], kind[returned] = LATE, FAILED, RETURNED

    cause = np.full(n, -1, dtype=np.int64)
    cause[failed] = categorical_rows(rng, fail_h[failed])
    cause[returned] = categorical(rng, cz.RETURN_MIX, int(returned.sum()))
    cause[late] = categorical_rows(rng, late_h[late])

    recorded = np.full(n, -1, dtype=np.int64)
    n_failed = int(failed.sum())
    if plan.evidence:
        true = cause[failed]
        wrong = rng.random(n_failed) >= cz.RECORDED_REASON_ACCURACY
        other = (true + rng.integers(1, len(cz.FAILURE_CAUSES), n_failed)) % len(cz.FAILURE_CAUSES)
        recorded[failed] = np.where(wrong, other, true)
    else:  # nothing to be right or wrong about: reasons are drawn from the mix
        recorded[failed] = categorical(rng, cz.FAILURE_MIX, n_failed)

    delay = np.clip(lognormal(rng, DELAY_MEDIAN_H, 0.7, n), 0.5, None)
    for p in plan.planted:
        if p.delay_hours:
            extra = _mask(p, orders) & late & (cause == p.cause_index)
            delay[extra] += lognormal(rng, p.delay_hours, 0.4, int(extra.sum()))
    return Outcomes(p_fail, p_return, p_late, kind, cause, recorded, np.where(late, delay, 0.0))


def expected_excess(
    p: Planted, orders: Orders, world: World, plan: Plan, eligible: BoolArray
) -> tuple[int, float]:
    """(orders matching ``p``, expected extra outcomes it caused among ``eligible`` orders).

    The excess is the sum over eligible matching orders of the planted cause's contribution:
    the drop in the outcome's probability (or, for cause-level shifts, in the cause's hazard)
    when that one planted cause is switched off.
    """
    m = _mask(p, orders)
    sel = m & eligible
    if p.outcome == "failure":
        with_p = failure_hazards(orders, world, plan)[sel]
        without = failure_hazards(orders, world, plan, skip=p.id)[sel]
        if p.mode == "shift":
            c = p.cause_index
            return int(m.sum()), float((with_p[:, c] - without[:, c]).sum())
        return int(m.sum()), float((with_p.sum(axis=1) - without.sum(axis=1)).sum())
    with_l = late_hazards(orders, plan)[sel].sum(axis=1)
    without_l = late_hazards(orders, plan, skip=p.id)[sel].sum(axis=1)
    return int(m.sum()), float((with_l - without_l).sum())
