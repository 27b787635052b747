"""Outcome rates per value of each drill-down dimension within a scope (the explorer's bars).

Descriptive only, like :mod:`dfras.kpi.summary`: counts and glossary rates with their
denominators. Whether a value's rate is a real cause is the root-cause engine's question
(:func:`dfras.analysis.explain.explain`), so callers show these beside its findings, never
instead of them.

Example:
    >>> from dfras.store import open_store
    >>> store = open_store(":memory:")
    >>> breakdown(store)["city"]
    []
"""

from __future__ import annotations

from typing import Any

from dfras.analysis.scope import Scope
from dfras.fact import service as fact_service
from dfras.query import kpi as q
from dfras.store.base import Store

#: How many values per dimension (those with most orders).
TOP_VALUES = 12


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def breakdown(
    store: Store,
    scope: Scope | None = None,
    *,
    dimensions: tuple[str, ...] = q.DRILL_DIMENSIONS,
    top: int = TOP_VALUES,
) -> dict[str, list[dict[str, Any]]]:
    """Per dimension, the ``top`` values by orders with their failure, return and late rates.

    Dimensions the scope already pins to one value are left out (nothing to drill into).
    """
    fact_service.ensure_current(store)
    scope = scope or Scope()
    dims = tuple(d for d in dimensions if len(scope.filters.get(d, [])) != 1)
    out: dict[str, list[dict[str, Any]]] = {d: [] for d in dims}
    if not dims:
        return out
    where, params = scope.where()
    for row in store.fetch_dicts(q.scoped_breakdown(where, dims, top), params):
        closed, delivered = int(row["closed"]), int(row["delivered"])
        out[row["dimension"]].append(
            {
                "value": row["value"],
                "orders": int(row["orders"]),
                "closed": closed,
                "failed": int(row["failed"]),
                "returned": int(row["returned"]),
                "late": int(row["late"]),
                "failure_rate": _rate(int(row["failed"]), closed),
                "return_rate": _rate(int(row["returned"]), closed),
                "late_rate": _rate(int(row["late"]), delivered),
            }
        )
    return out
