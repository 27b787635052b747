"""The explorer's breakdown service counts what the fact holds, per dimension, within a scope."""

from __future__ import annotations

from pathlib import Path

from dfras.analysis.scope import make_scope
from dfras.kpi.breakdown import breakdown
from dfras.store import open_store


def test_breakdown_matches_the_fact_within_a_scope(web_store: Path) -> None:
    store = open_store(str(web_store), read_only=True)
    try:
        city = store.fetchall(
            "SELECT city FROM delivery_fact GROUP BY city ORDER BY count(*) DESC LIMIT 1"
        )[0][0]
        parts = breakdown(store, make_scope(city=city), top=5)
        assert "city" not in parts  # pinned to one value: nothing to drill into
        warehouses = parts["warehouse_id"]
        assert 0 < len(warehouses) <= 5
        assert [w["orders"] for w in warehouses] == sorted(
            (w["orders"] for w in warehouses), reverse=True
        )
        for w in warehouses:
            orders, closed, failed, delivered, late = store.fetchall(
                "SELECT count(*), count(*) FILTER (WHERE is_closed),"
                " count(*) FILTER (WHERE is_failed), count(*) FILTER (WHERE is_delivered),"
                " count(*) FILTER (WHERE is_late)"
                " FROM delivery_fact WHERE city = ? AND CAST(warehouse_id AS VARCHAR) = ?",
                [city, w["value"]],
            )[0]
            assert (w["orders"], w["closed"], w["failed"], w["late"]) == (
                orders,
                closed,
                failed,
                late,
            )
            assert w["failure_rate"] == round(failed / closed, 4)
            assert w["late_rate"] == (round(late / delivered, 4) if delivered else None)
    finally:
        store.close()
