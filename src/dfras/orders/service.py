"""A scope's orders, page by page, and one order's timeline, evidence and cause.

Filters and paging values are bound parameters; the sort column comes from a whitelist
(:data:`dfras.orders.query.SORT_COLUMNS`), so no caller text is ever interpolated into SQL.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from dfras.analysis.scope import Scope
from dfras.causes import OrderCause, TimelineStep, messages
from dfras.causes import service as causes_service
from dfras.causes.resolution import resolution_histories
from dfras.domain.errors import NotFound, UserError
from dfras.fact import service as fact_service
from dfras.orders import query as q
from dfras.query import causes as cq
from dfras.query.fact import FACT_TABLE
from dfras.store.base import Store
from dfras.store.meta import built_from_current_data

MAX_PAGE_SIZE = 500


def jsonable(value: Any) -> Any:
    """A value JSON can carry (dates as ISO text, decimals as floats)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def list_orders(
    store: Store,
    scope: Scope | None = None,
    *,
    status: str | None = None,
    outcome: str | None = None,
    cause: str | None = None,
    sort: str = "order_date",
    descending: bool = True,
    page: int = 1,
    page_size: int = 50,
) -> dict[str, Any]:
    """One page of the scope's orders with their primary cause: items, total, page, page_size."""
    if sort not in q.SORT_COLUMNS:
        raise UserError(f"cannot sort by {sort!r}", hint=f"use one of {', '.join(q.SORT_COLUMNS)}")
    if status is not None and status not in q.STATUSES:
        raise UserError(f"unknown status {status!r}", hint=f"use one of {', '.join(q.STATUSES)}")
    if outcome is not None and outcome not in q.OUTCOMES:
        raise UserError(f"unknown outcome {outcome!r}", hint=f"use one of {', '.join(q.OUTCOMES)}")
    if page < 1:
        raise UserError(f"page must be 1 or more, got {page}")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise UserError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {page_size}")
    fact_service.ensure_current(store)
    where, params = (scope or Scope()).where()
    parts = [f"({where})"]
    if status is not None:
        parts.append("status = ?")
        params.append(status)
    if outcome is not None:
        parts.append(q.OUTCOMES[outcome])
    if cause is not None:
        causes_service.ensure_current(store)
        parts.append(q.CAUSE_FILTER)
        params.append(cause)
    cond = " AND ".join(parts)
    total = int(store.fetchall(q.count_sql(cond), params)[0][0])
    rows = store.fetch_dicts(
        q.page_sql(cond, q.SORT_COLUMNS[sort], descending),
        [*params, page_size, (page - 1) * page_size],
    )
    items = [{k: jsonable(v) for k, v in r.items()} for r in rows]
    return {"items": items, "total": total, "page": page, "page_size": page_size}


def _stage(step: TimelineStep) -> str:
    event = step.event
    if event == "ordered":
        return "ordered"
    if event.startswith("picking"):
        return "picking"
    if event in ("dispatched", "no dispatch"):
        return "dispatch"
    if event.startswith("attempt"):
        return "transit"
    return "outcome"


def unknown_order(order_id: int) -> NotFound:
    """The error for an order id the store does not hold."""
    return NotFound(
        f"no order {order_id} in the store",
        hint="check the id (order ids are numbers), or import the orders first",
    )


def order_detail(store: Store, order_id: int) -> dict[str, Any]:
    """The order's fact row, its timeline by stage, the evidence behind its cause, the cause,
    what to tell the customer, and its resolution history. Unknown ids raise NotFound."""
    found = order_details(store, [order_id])
    if order_id not in found:
        raise unknown_order(order_id)
    return found[order_id]


def order_details(store: Store, order_ids: list[int]) -> dict[int, dict[str, Any]]:
    """:func:`order_detail` of several orders at once (unknown ids are absent): one query per
    part for all of them, so a server answering many requests together pays each lookup once."""
    ids = list(dict.fromkeys(int(i) for i in order_ids))
    if not ids:
        return {}
    current = built_from_current_data(
        store, {FACT_TABLE: "fact_version", cq.RCA_TABLE: "causes_version"}
    )
    if not current[FACT_TABLE]:
        fact_service.ensure_current(store)
    rows = store.fetch_dicts(q.order_rows_sql(len(ids)), ids)
    if not rows:
        return {}
    if not current[cq.RCA_TABLE]:
        causes_service.ensure_current(store)
    ids = [int(r["order_id"]) for r in rows]
    logs: dict[int, list[dict[str, Any]]] = {}
    for r in store.fetch_dicts(cq.order_logs_sql(len(ids)), ids + ids):
        logs.setdefault(int(r["order_id"]), []).append(r)
    causes = {int(r["order_id"]): r for r in store.fetch_dicts(cq.causes_sql(len(ids)), ids)}
    histories = resolution_histories(store, ids)
    out = {}
    for order in rows:
        oid = int(order["order_id"])
        picks, attempts = cq.split_order_logs(logs.get(oid, []))
        order_cause = OrderCause.from_row(causes[oid]) if oid in causes else None
        cause = order_cause.to_dict() if order_cause else None
        timeline = messages.timeline(order, picks, attempts)
        out[oid] = {
            "order": {k: jsonable(v) for k, v in order.items()},
            "timeline": [
                {
                    "stage": _stage(s),
                    "event": s.event,
                    "at": s.at.isoformat() if s.at else None,
                    "detail": s.detail,
                    "record": s.record,
                }
                for s in timeline
            ],
            "evidence": cause["evidence"] if cause else {},
            "cause": cause,
            "customer_message": messages.customer_message(order, order_cause),
            "resolution_history": histories.get(oid, []),
        }
    return out
