"""Keeping the daily summaries current, and reading a scope's totals and trend from them.

A scope whose filters are all summary dimensions and whose period is on ``order_date`` is
answered from the summaries; any other scope (state, driver, route, a delivered-date period)
falls back to the same aggregates over the delivery fact, so the numbers never differ — only
the speed.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from dfras.analysis.scope import Scope
from dfras.fact import service as fact_service
from dfras.store.base import Store
from dfras.store.meta import read_meta, write_meta
from dfras.summaries import query as q

VERSION_KEY = "summaries_version"


def is_current(store: Store) -> bool:
    """Whether both summary tables reflect the latest data and the latest causes."""
    if not (store.table_exists(q.DAILY_TABLE) and store.table_exists(q.CAUSE_TABLE)):
        return False
    data = read_meta(store, "data_version")
    return read_meta(store, VERSION_KEY) == data and read_meta(store, "causes_version") == data


def refresh(store: Store) -> float:
    """Rebuild both summaries (the fact and the causes first, if stale); seconds taken."""
    from dfras.causes import service as causes_service

    started = time.perf_counter()
    fact_service.ensure_current(store)
    causes_service.ensure_current(store)
    if store.engine == "postgres":
        from dfras.store.working import refresh_through_copy

        refresh_through_copy(
            store,
            read=("delivery_fact", q.RCA_TABLE, "store_meta"),
            compute=_build,
            write=(q.DAILY_TABLE, q.CAUSE_TABLE),
            meta_keys=(VERSION_KEY,),
        )
    else:
        _build(store)
    return time.perf_counter() - started


def _build(store: Store) -> None:
    """Both summaries, from the store's fact and causes (DuckDB: CREATE OR REPLACE)."""
    with store.transaction():
        version = read_meta(store, "data_version") or "0"
        store.execute(q.BUILD_DAILY)
        store.execute(q.BUILD_CAUSES)
        write_meta(store, VERSION_KEY, version)


def ensure_current(store: Store) -> bool:
    """Rebuild the summaries if stale; True when a rebuild happened."""
    if is_current(store):
        return False
    refresh(store)
    return True


def summary_where(scope: Scope) -> tuple[str, list[Any]] | None:
    """The scope as a condition over the summary tables, or None when they cannot serve it."""
    if any(values and name not in q.DIMENSIONS for name, values in scope.filters.items()):
        return None
    if scope.period is not None and scope.period.date_field != "order_date":
        return None
    parts: list[str] = []
    params: list[Any] = []
    for name, values in sorted(scope.filters.items()):
        if values:
            parts.append(f"{name} IN ({', '.join('?' for _ in values)})")
            params.extend(values)
    if scope.period is not None:
        parts.append("day >= ? AND day <= ?")
        params.extend([scope.period.start, scope.period.end])
    return (" AND ".join(parts) if parts else "TRUE"), params


def totals(store: Store, scope: Scope) -> dict[str, Any]:
    """Counts and money of the scope's orders (keys: :data:`query.MEASURES` and last_day)."""
    ensure_current(store)
    found = summary_where(scope)
    if found is not None:
        row = store.fetch_dicts(q.totals_sql(found[0]), found[1])[0]
    else:
        where, params = scope.where()
        row = store.fetch_dicts(q.FACT_TOTALS.format(where=where), params)[0]
    out: dict[str, Any] = {
        m: (float(row[m] or 0) if m.endswith(("revenue", "risk")) else int(row[m] or 0))
        for m in q.MEASURES
    }
    out["last_day"] = row["last_day"]
    return out


def trend(store: Store, scope: Scope) -> list[dict[str, Any]]:
    """One row per order day: orders, closed, delivered, failed, late, returned."""
    ensure_current(store)
    found = summary_where(scope)
    if found is not None:
        rows = store.fetch_dicts(q.trend_sql(found[0]), found[1])
    else:
        where, params = scope.where()
        rows = store.fetch_dicts(q.FACT_TREND.format(where=where), params)
    return [{k: (v if k == "date" else int(v or 0)) for k, v in r.items()} for r in rows]


def cause_counts(store: Store, scope: Scope) -> list[dict[str, Any]]:
    """Outcome orders per primary cause in the scope, most frequent first."""
    ensure_current(store)
    found = summary_where(scope)
    if found is not None:
        rows = store.fetch_dicts(q.top_causes_sql(found[0]), found[1])
    else:
        where, params = scope.where("f")
        rows = store.fetch_dicts(q.FACT_CAUSES.format(where=where), params)
    return [{**r, "orders": int(r["orders"])} for r in rows]


def as_of(store: Store) -> date | None:
    """The data's as-of day (the latest order day), from the summaries."""
    ensure_current(store)
    rows = store.fetchall(f"SELECT max(day) FROM {q.DAILY_TABLE}")
    value = rows[0][0] if rows else None
    return value if value is None or isinstance(value, date) else value.date()


def breakdown(store: Store, scope: Scope, dimension: str) -> list[dict[str, Any]]:
    """Orders, outcomes and lost revenue per city, warehouse, partner or client in the scope."""
    ensure_current(store)
    found = summary_where(scope)
    if found is not None:
        sql = q.breakdown_sql(dimension, found[0], from_fact=False)
        rows = store.fetch_dicts(sql, found[1])
    else:
        where, params = scope.where()
        rows = store.fetch_dicts(q.breakdown_sql(dimension, where, from_fact=True), params)
    out = []
    for r in rows:
        counts = {
            k: int(r[k] or 0)
            for k in ("orders", "closed", "delivered", "failed", "returned", "late")
        }
        out.append({"value": r["value"], **counts, "lost_revenue": float(r["lost_revenue"] or 0)})
    return out
