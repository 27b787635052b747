"""The first summary of a store: volume, outcome rates, recorded reasons, breakdowns.

Descriptive only: rates with their denominators, as the glossary defines them. Which of the
differences are real causes is the root-cause engine's question, not this summary's, so the
text says so rather than ranking noise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dfras.fact import service as fact_service
from dfras.query import kpi as q
from dfras.store.base import Store


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


@dataclass
class Summary:
    orders: int
    closed: int
    open: int
    failed: int
    returned: int
    delivered: int
    late: int
    overdue: int
    failure_rate: float | None
    return_rate: float | None
    late_rate: float | None
    first_attempt_delivery_rate: float | None
    revenue_lost: float
    cod_at_risk: float
    first_order: datetime | None
    as_of: datetime | None
    reasons: list[dict[str, Any]] = field(default_factory=list)
    by_city: list[dict[str, Any]] = field(default_factory=list)


def summarise(store: Store) -> Summary:
    """Headline KPIs, the recorded failure reasons and a per-city breakdown."""
    store = fact_service.for_analysis(store, heavy=False)
    h = store.fetch_dicts(q.HEADLINE)[0]
    closed = int(h["closed"] or 0)
    delivered = int(h["delivered"] or 0)
    by_city = []
    for row in store.fetch_dicts(q.breakdown("city")):
        c = int(row["closed"] or 0)
        by_city.append(
            {
                "city": row["value"],
                "orders": int(row["orders"]),
                "closed": c,
                "failure_rate": _rate(int(row["failed"]), c),
                "return_rate": _rate(int(row["returned"]), c),
                "late_rate": _rate(int(row["late"]), int(row["delivered"] or 0)),
            }
        )
    return Summary(
        orders=int(h["orders"] or 0),
        closed=closed,
        open=int(h["open"] or 0),
        failed=int(h["failed"] or 0),
        returned=int(h["returned"] or 0),
        delivered=delivered,
        late=int(h["late"] or 0),
        overdue=int(h["overdue"] or 0),
        failure_rate=_rate(int(h["failed"] or 0), closed),
        return_rate=_rate(int(h["returned"] or 0), closed),
        late_rate=_rate(int(h["late"] or 0), delivered),
        first_attempt_delivery_rate=_rate(int(h["first_attempt_delivered"] or 0), closed),
        revenue_lost=float(h["revenue_lost"] or 0),
        cod_at_risk=float(h["cod_at_risk"] or 0),
        first_order=h["first_order"],
        as_of=h["as_of"],
        reasons=store.fetch_dicts(q.REASONS),
        by_city=by_city,
    )
