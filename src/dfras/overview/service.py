"""The overview of a scope, read from the daily summaries (milliseconds at 1M orders).

Rates follow PRODUCT.md's glossary and :mod:`dfras.kpi.summary`: failure and return rates over
closed orders, late rate over delivered orders, first-attempt rate over closed orders. A rate
with no denominator is None, never 0.
"""

from __future__ import annotations

from typing import Any

from dfras.alerts.lifecycle import latest_unresolved
from dfras.analysis.scope import Scope
from dfras.store.base import Store
from dfras.summaries import service as summaries

#: How many causes the overview lists.
TOP_CAUSES = 10
#: How many unresolved alerts (newest first) it lists.
LATEST_ALERTS = 5


def rate(num: int, den: int) -> float | None:
    """``num / den`` rounded to 4 places; None when nothing was counted."""
    return round(num / den, 4) if den else None


def overview(store: Store, scope: Scope | None = None) -> dict[str, Any]:
    """Headline figures, a daily trend and the top causes of the orders in ``scope``."""
    scope = scope or Scope()
    t = summaries.totals(store, scope)
    as_of = summaries.as_of(store)
    trend = [
        {
            "date": r["date"].isoformat(),
            "orders": r["orders"],
            "failed": r["failed"],
            "late": r["late"],
            "returned": r["returned"],
            "failure_rate": rate(r["failed"], r["closed"]),
            "late_rate": rate(r["late"], r["delivered"]),
            "return_rate": rate(r["returned"], r["closed"]),
        }
        for r in summaries.trend(store, scope)
    ]
    causes = summaries.cause_counts(store, scope)
    outcome_orders = sum(c["orders"] for c in causes)
    top = [
        {
            "cause": c["cause"],
            "category": c["category"],
            "orders": c["orders"],
            "share": rate(c["orders"], outcome_orders),
        }
        for c in causes[:TOP_CAUSES]
    ]
    return {
        "as_of": as_of.isoformat() if as_of else None,
        "scope": scope.to_dict(),
        "orders": t["orders"],
        "closed": t["closed"],
        "delivered": t["delivered"],
        "failed": t["failed"],
        "returned": t["returned"],
        "late": t["late"],
        "open": t["open"],
        "overdue": t["overdue"],
        "failure_rate": rate(t["failed"], t["closed"]),
        "late_rate": rate(t["late"], t["delivered"]),
        "return_rate": rate(t["returned"], t["closed"]),
        "first_attempt_rate": rate(t["first_attempt"], t["closed"]),
        "trend": trend,
        "top_causes": top,
        "lost_revenue": round(t["lost_revenue"], 2),
        "cod_at_risk": round(t["cod_at_risk"], 2),
        "alerts": latest_unresolved(store, LATEST_ALERTS),
    }
