"""The causal chain of an event correlation as a graph: event → city → routes, partners and
warehouses → failed orders.

Nodes and edges are plain JSON (``{"nodes": [...], "edges": [...]}``) so any graph viewer can
draw them. Each entity node carries its failures inside the window against its own rate outside
it (expected, ratio), so the chain shows where the event's failures went, not only that they
happened. Failed orders are listed up to ``MAX_ORDERS`` (the total is always given).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from dfras.patterns.records import Correlation
from dfras.query import patterns as q
from dfras.store.base import Store

MAX_ORDERS = 500
TOP_ENTITIES = 10
_ENTITIES = (("route_code", "route"), ("partner_company", "partner"), ("warehouse_id", "warehouse"))


def causal_chain(store: Store, c: Correlation) -> dict[str, Any]:
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    event_id = f"event:{c.primary_type}={c.primary_key}"
    nodes.append(
        {
            "id": event_id,
            "kind": "event",
            "label": f"{c.primary_key} ({c.primary_type})",
            "event": c.evidence.get("event"),
        }
    )
    graph: dict[str, Any] = {
        "correlation_id": c.correlation_id,
        "type": c.correlation_type,
        "nodes": nodes,
        "edges": edges,
    }
    if c.correlation_type == "Statistical":
        for s in c.evidence.get("test", {}).get("strata", []):
            cid = f"city:{s['city']}"
            nodes.append({"id": cid, "kind": "city", "label": s["city"], **s})
            edges.append(
                {
                    "source": event_id,
                    "target": cid,
                    "kind": "association",
                    "weight": s["outcomes_with"],
                }
            )
        return graph
    if c.city is None or c.window_start is None or c.window_end is None:
        return graph
    city_id = f"city:{c.city}"
    test = c.evidence.get("test", {})
    nodes.append(
        {
            "id": city_id,
            "kind": "city",
            "label": c.city,
            "observed_failures": test.get("observed_failures"),
            "expected_failures": test.get("expected_failures"),
        }
    )
    edges.append(
        {
            "source": event_id,
            "target": city_id,
            "kind": "spatial" if c.correlation_type == "Spatial" else "temporal",
            "weight": round(
                float(test.get("observed_failures", 0)) - float(test.get("expected_failures", 0)),
                3,
            ),
            "distance_km": c.distance_km,
        }
    )
    start, end = c.window_start, c.window_end
    keep: dict[str, set[str]] = {}
    for column, kind in _ENTITIES:
        rows = store.fetch_dicts(
            q.window_entity_counts_sql(column, "is_failed", "is_closed"),
            [start, end] * 4 + [c.city, end],
        )
        rows = [r for r in rows if r["k_in"]]
        rows.sort(key=lambda r: (-_excess(r), str(r["value"])))
        keep[column] = set()
        for r in rows[:TOP_ENTITIES]:
            node = f"{kind}:{r['value']}"
            keep[column].add(str(r["value"]))
            rate_out = r["k_out"] / r["n_out"] if r["n_out"] else None
            expected = r["n_in"] * rate_out if rate_out is not None else None
            nodes.append(
                {
                    "id": node,
                    "kind": kind,
                    "label": f"{kind} {r['value']}",
                    "failures": r["k_in"],
                    "closed": r["n_in"],
                    "expected_failures": round(expected, 3) if expected is not None else None,
                }
            )
            edges.append(
                {"source": city_id, "target": node, "kind": "through", "weight": r["k_in"]}
            )
    orders = store.fetch_dicts(q.window_members_sql("is_failed"), [c.city, start, end])
    graph["failed_orders"] = len(orders)
    for o in orders[:MAX_ORDERS]:
        oid = f"order:{o['order_id']}"
        nodes.append(
            {
                "id": oid,
                "kind": "order",
                "label": f"order {o['order_id']}",
                "order_day": _iso(o["order_day"]),
                "failure_reason": o["failure_reason"],
                "weather_condition": o["weather_condition"],
                "traffic_condition": o["traffic_condition"],
                "event_type": o["event_type"],
            }
        )
        linked = False
        for column, kind in _ENTITIES:
            value = o[column]
            if value is not None and str(value) in keep.get(column, set()):
                edges.append({"source": f"{kind}:{value}", "target": oid, "kind": "order"})
                linked = True
        if not linked:
            edges.append({"source": city_id, "target": oid, "kind": "order"})
    return graph


def _excess(r: dict[str, Any]) -> float:
    rate_out = r["k_out"] / r["n_out"] if r["n_out"] else 0.0
    return float(r["k_in"] - r["n_in"] * rate_out)


def _iso(d: Any) -> Any:
    return d.isoformat() if isinstance(d, date) else d
