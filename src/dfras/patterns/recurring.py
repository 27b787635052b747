"""Recurring causes: the same failure reason at the same entity, again and again.

For each entity (with enough closed orders) and recorded failure reason: the entity's failures
with that reason, against the reason's norm over every order. Conditional on the reason's total
K_c, the entity's count is Binomial(K_c, N_e / N) — its share of closed orders — an exact test
that carries the norm's own uncertainty. *Again and again* is tested too: the same test with the
entity's ``DROP_WEEKS`` worst weeks removed (from the entity and the norm alike) must still
hold at the nominal level ``PERSIST_ALPHA``, and those worst weeks may hold at most
``MAX_WORST_SHARE`` of the excess, so a single burst is not called recurring (it is an anomaly).
The hypothesis's p-value (corrected by the service with the other families) is the overall
test's; persistence is a reporting condition. A reported pattern also needs ``MIN_EVENTS`` failures, a rate ratio of at least ``MIN_RATIO`` and excess in at least
``MIN_WEEKS`` separate weeks; the weekday it concentrates on is reported when that is
significant (e.g. stockouts every Monday).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from scipy.stats import binom, chi2

from dfras.stats.proportions import risk_ratio

DROP_WEEKS = 2
MIN_EVENTS = 8
MIN_RATIO = 1.5
MIN_WEEKS = 4
PERSIST_ALPHA = 0.05
MAX_WORST_SHARE = 0.5


@dataclass
class Recurrence:
    entity_column: str
    entity_value: str
    reason: str
    observed: int
    expected: float
    ratio: float
    ci: tuple[float, float]
    p_value: float
    p_overall: float
    p_without_worst: float
    worst_share: float
    weeks_with_excess: int
    weeks: int
    first_week: date
    last_week: date
    q_value: float = 1.0
    weekday: dict[str, Any] = field(default_factory=dict)


def test_recurrences(
    weeks: list[dict[str, Any]],
    closed_weeks: dict[tuple[str, str], dict[date, float]],
    reason_totals: dict[str, int],
    total_closed: float,
) -> list[Recurrence]:
    """``weeks``: rows (entity_column, entity_value, reason, week, failed);
    ``closed_weeks``: closed orders per entity and week; ``reason_totals``: failures per
    reason over every order; ``total_closed``: closed orders over every order."""
    grouped: dict[tuple[str, str, str], dict[date, int]] = {}
    for r in weeks:
        key = (r["entity_column"], r["entity_value"], r["reason"])
        grouped.setdefault(key, {})[as_date(r["week"])] = int(r["failed"])
    prepared = []
    for (col, val, reason), per_week in grouped.items():
        closed = closed_weeks.get((col, val))
        if not closed or reason not in reason_totals:
            continue
        n_e = sum(closed.values())
        k_c = reason_totals[reason]
        k_e = sum(per_week.values())
        if n_e <= 0 or n_e >= total_closed:
            continue
        rate = k_c / total_closed
        excess = {w: per_week.get(w, 0) - closed.get(w, 0.0) * rate for w in closed}
        worst = sorted(excess, key=lambda w: excess[w], reverse=True)[:DROP_WEEKS]
        k_drop = sum(per_week.get(w, 0) for w in worst)
        n_drop = sum(closed.get(w, 0.0) for w in worst)
        prepared.append(
            (col, val, reason, per_week, closed, n_e, k_c, k_e, rate, excess, worst, k_drop, n_drop)
        )
    if not prepared:
        return []
    arr = np.array([(x[7], x[6], x[5], x[11], x[12]) for x in prepared], dtype=float)
    k_e_a, k_c_a, n_e_a, k_drop_a, n_drop_a = arr.T
    p_all = binom.sf(k_e_a - 1, k_c_a, n_e_a / total_closed)
    n_rest = total_closed - n_drop_a
    p_rest = binom.sf(k_e_a - k_drop_a - 1, k_c_a - k_drop_a, (n_e_a - n_drop_a) / n_rest)
    rr, lo, hi = risk_ratio(k_e_a, n_e_a, k_c_a - k_e_a, np.maximum(total_closed - n_e_a, 1.0))
    out: list[Recurrence] = []
    for i, x in enumerate(prepared):
        col, val, reason, per_week, closed, n_e, k_c, k_e, rate, excess, worst, _, _ = x
        weeks_hit = sum(1 for w in closed if per_week.get(w, 0) > 0 and excess[w] > 0)
        out.append(
            Recurrence(
                entity_column=col,
                entity_value=val,
                reason=reason,
                observed=k_e,
                expected=n_e * (k_c - k_e) / max(total_closed - n_e, 1.0),
                ratio=float(rr[i]),
                ci=(float(lo[i]), float(hi[i])),
                p_value=float(p_all[i]),
                p_overall=float(p_all[i]),
                p_without_worst=float(p_rest[i]),
                worst_share=_share(sum(excess[w] for w in worst), k_e - n_e * rate),
                weeks_with_excess=weeks_hit,
                weeks=sum(1 for w in closed if closed[w] > 0),
                first_week=min(per_week),
                last_week=max(per_week),
            )
        )
    return out


def reportable(r: Recurrence) -> bool:
    return (
        r.observed >= MIN_EVENTS
        and r.ratio >= MIN_RATIO
        and r.weeks_with_excess >= MIN_WEEKS
        and r.p_without_worst <= PERSIST_ALPHA
        and r.worst_share <= MAX_WORST_SHARE
    )


def _share(part: float, whole: float) -> float:
    return 1.0 if whole <= 0 else max(0.0, part / whole)


def weekday_concentration(
    rows: list[dict[str, Any]], *, alpha: float
) -> dict[tuple[str, str, str], dict[str, Any]]:
    """Per (column, value, reason): the weekday the reason concentrates on, when its weekday
    counts differ from the entity's weekday volumes (χ², level ``alpha``)."""
    names = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
    table: dict[tuple[str, str, str], tuple[np.ndarray, np.ndarray]] = {}
    for r in rows:
        n, k = table.setdefault((r["c"], r["v"], r["r"]), (np.zeros(7), np.zeros(7)))
        n[int(r["weekday"])] += r["closed"] or 0
        k[int(r["weekday"])] += r["hits"] or 0
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    for key, (n, k) in table.items():
        if k.sum() == 0 or n.sum() == 0:
            continue
        expected = n / n.sum() * k.sum()
        used = expected > 0
        stat = float((((k - expected) ** 2) / np.maximum(expected, 1e-12))[used].sum())
        p = float(chi2.sf(stat, max(int(used.sum()) - 1, 1)))
        peak = int(np.argmax(np.where(used, k / np.maximum(expected, 1e-12), 0)))
        if p <= alpha and k[peak] / max(expected[peak], 1e-12) >= 2:
            out[key] = {
                "weekday": names[peak],
                "share_of_failures": round(float(k[peak] / k.sum()), 4),
                "share_of_orders": round(float(n[peak] / n.sum()), 4),
                "chi2": round(stat, 3),
                "p_value": p,
            }
    return out


def as_date(value: Any) -> date:
    """A day from the engine (a date, or a timestamp on engines that return one)."""
    return value.date() if hasattr(value, "date") and callable(value.date) else value
