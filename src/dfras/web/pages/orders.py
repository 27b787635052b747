"""Orders: a scope's orders page by page, and one order's page — its timeline (ordered →
picking → dispatch → transit → outcome) with the records behind each step, the cause with its
evidence, what to tell the customer, and the resolution workflow.

Reads call :mod:`dfras.orders.service`; the resolution form posts to
:func:`dfras.causes.resolution.update_resolution` (a short read-write open of the store) and
is redirected back to the order, so a reload never repeats the change.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dfras.analysis.explain import default_as_of
from dfras.auth.roles import Permission
from dfras.causes.resolution import STATUSES, TRANSITIONS, update_resolution
from dfras.domain.errors import DfrasError
from dfras.orders import service as orders
from dfras.service.exit import ensure_order_in_scope, masked, note_pii_read
from dfras.service.principal import LOCAL_PRINCIPAL, Principal, current_principal, require
from dfras.web import charts
from dfras.web.scope_params import PERIODS, ScopeParams
from dfras.web.store import reading, writing
from dfras.web.templating import render

router = APIRouter()

PAGE_SIZE = 50
#: The order page's stages, in the order an order lives them.
STAGES = ("ordered", "picking", "dispatch", "transit", "outcome")
STAGE_LABELS = {
    "ordered": "Ordered",
    "picking": "Picking",
    "dispatch": "Dispatch",
    "transit": "Transit",
    "outcome": "Outcome",
}
OUTCOME_FILTERS = (
    ("", "Any"),
    ("failure", "Failed"),
    ("return", "Returned"),
    ("late", "Late"),
    ("on_time", "On time"),
    ("open", "Open"),
    ("overdue", "Overdue"),
)
SORTS = (
    ("order_date", "Order date"),
    ("delay_hours", "Delay"),
    ("amount", "Amount"),
    ("order_id", "Order id"),
)


@router.get(
    "/orders",
    dependencies=[Depends(require(Permission.VIEW_ORDERS.value))],
    response_class=HTMLResponse,
)
def orders_page(request: Request) -> HTMLResponse:
    sp = ScopeParams.read(request.query_params)
    qp = request.query_params
    outcome = qp.get("outcome") or None
    cause = qp.get("cause") or None
    sort = qp.get("sort") or "order_date"
    try:
        page = max(1, int(qp.get("page") or 1))
    except ValueError:
        page = 1
    with reading(request) as store:
        as_of = default_as_of(store)
        result = orders.list_orders(
            store,
            sp.scope(as_of),
            outcome=outcome,
            cause=cause,
            sort=sort,
            descending=qp.get("dir", "desc") != "asc",
            page=page,
            page_size=PAGE_SIZE,
        )
    principal = _caller(request)
    result = masked(result, principal)
    note_pii_read(request, principal, "orders")
    extra = {"outcome": outcome, "cause": cause, "sort": sort, "dir": qp.get("dir")}
    pages = max(1, -(-result["total"] // PAGE_SIZE))
    return render(
        request,
        "orders.html",
        {
            "title": "Orders",
            "sp": sp,
            "result": result,
            "as_of": as_of,
            "outcome": outcome or "",
            "cause": cause or "",
            "sort": sort,
            "outcome_filters": OUTCOME_FILTERS,
            "sorts": SORTS,
            "periods": PERIODS,
            "pages": pages,
            "prev_url": f"/orders?{sp.query(**extra, page=page - 1)}" if page > 1 else None,
            "next_url": f"/orders?{sp.query(**extra, page=page + 1)}" if page < pages else None,
            "extra": {k: v for k, v in extra.items() if v},
        },
    )


@router.get(
    "/orders/{order_id}",
    dependencies=[Depends(require(Permission.VIEW_ORDERS.value))],
    response_class=HTMLResponse,
)
def order_page(request: Request, order_id: int) -> HTMLResponse:
    return _order(request, order_id)


@router.post(
    "/orders/{order_id}/resolution", dependencies=[Depends(require(Permission.MANAGE_CAUSES.value))]
)
def resolve(
    request: Request,
    order_id: int,
    status: str = Form(...),
    note: str = Form(""),
    measures: str = Form(""),
    principal: Principal = Depends(current_principal),
) -> Response:
    """Move the cause along its workflow, then back to the order (post-redirect-get)."""
    preventive = [m.strip() for m in measures.splitlines() if m.strip()]
    try:
        with writing(request) as store:
            update_resolution(
                store,
                order_id,
                status=status,
                note=note.strip() or None,
                preventive_measures=preventive or None,
                user=principal.user_id,
            )
    except DfrasError as exc:
        return _order(
            request, order_id, error={"message": exc.message, "hint": exc.hint}, status=400
        )
    query = urlencode({"updated": status})
    return RedirectResponse(f"/orders/{order_id}?{query}#resolution", status_code=303)


def _caller(request: Request) -> Principal:
    """The page's caller (set by the permission dependency)."""
    found: Principal = getattr(request.state, "principal", None) or LOCAL_PRINCIPAL
    return found


def _order(
    request: Request, order_id: int, *, error: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    principal = _caller(request)
    with reading(request) as store:
        ensure_order_in_scope(store, order_id)
        detail = masked(orders.order_detail(store, order_id), principal)
        as_of = default_as_of(store)
    note_pii_read(request, principal, f"orders/{order_id}")
    cause = detail["cause"]
    stages = [
        {
            "stage": s,
            "label": STAGE_LABELS[s],
            "steps": [t for t in detail["timeline"] if t["stage"] == s],
        }
        for s in STAGES
    ]
    current = cause["resolution_status"] if cause else None
    context: dict[str, Any] = {
        "title": f"Order {order_id}",
        "d": detail,
        "o": detail["order"],
        "cause": cause,
        "stages": stages,
        "as_of": as_of,
        "error": error,
        "updated": request.query_params.get("updated"),
        "statuses": STATUSES,
        "next_statuses": TRANSITIONS.get(current or "", ()),
        "charts": bool(cause),
    }
    if cause:
        posteriors = sorted(cause["posteriors"].items(), key=lambda kv: -kv[1])[:8]
        context["posterior_chart"] = charts.count_bars(
            [k for k, _ in posteriors],
            [round(v, 4) for _, v in posteriors],
            title="Probability of each cause",
        )
        context["posterior_chart"]["layout"]["xaxis"]["tickformat"] = ".0%"
        split = cause.get("delay_split") or {}
        parts = [p for p in ("picking", "dispatch", "transit", "reattempt") if split.get(p)]
        if parts:
            context["split_chart"] = charts.count_bars(
                parts,
                [round(float(split[p].get("excess_hours") or 0), 2) for p in parts],
                title="Hours over the norm, per stage",
                colour=charts.ORANGE,
            )
    return render(request, "order.html", context, status=status)
