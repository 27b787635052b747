"""Orders: a filtered, sorted page; one order with its timeline, evidence and cause."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from dfras.auth.roles import Permission
from dfras.orders import query as oq
from dfras.orders.service import (
    MAX_PAGE_SIZE,
    list_orders,
    order_detail,
    order_details,
    unknown_order,
)
from dfras.service.batching import MISSING
from dfras.service.exit import (
    answer_key,
    ensure_order_in_scope,
    has_user_scopes,
    masked,
    note_pii_read,
)
from dfras.service.models import OrderDetail, OrderPage
from dfras.service.principal import Principal, require
from dfras.service.problems import problem_responses
from dfras.service.runtime import Runtime, runtime
from dfras.service.scopes import ScopeModel, scope_query
from dfras.store.base import Store

router = APIRouter(tags=["orders"])

OrderId = Annotated[int, Path(ge=0, le=9_223_372_036_854_775_807)]
Status = Literal["Pending", "In-Transit", "Delivered", "Failed", "Returned"]
Outcome = Literal["failure", "return", "late", "on_time", "open", "overdue"]
Sort = Literal[
    "order_id",
    "order_date",
    "promised_delivery_date",
    "actual_delivery_date",
    "status",
    "city",
    "client_id",
    "warehouse_id",
    "amount",
    "delay_hours",
]
assert set(Sort.__args__) == set(oq.SORT_COLUMNS)  # type: ignore[attr-defined]


@router.get("/orders", response_model=OrderPage, responses=problem_responses(400, 422, 503))
async def orders(
    request: Request,
    scope: Annotated[ScopeModel, Depends(scope_query)],
    rt: Annotated[Runtime, Depends(runtime)],
    principal: Annotated[Principal, Depends(require(Permission.VIEW_ORDERS.value))],
    status: Status | None = None,
    outcome: Outcome | None = None,
    cause: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    sort: Sort = "order_date",
    order: Literal["asc", "desc"] = "desc",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> Response:
    """The scope's orders with their primary cause, newest first unless asked otherwise."""
    params = answer_key(
        principal,
        scope=scope.key(),
        status=status,
        outcome=outcome,
        cause=cause,
        sort=sort,
        order=order,
        page=page,
        page_size=page_size,
    )
    note_pii_read(request, principal, "orders")
    return await rt.answer(
        "orders",
        params,
        lambda s: masked(
            list_orders(
                s,
                scope.build(s),
                status=status,
                outcome=outcome,
                cause=cause,
                sort=sort,
                descending=order == "desc",
                page=page,
                page_size=page_size,
            ),
            principal,
        ),
    )


@router.get(
    "/orders/{order_id}", response_model=OrderDetail, responses=problem_responses(404, 422, 503)
)
async def order(
    request: Request,
    order_id: OrderId,
    rt: Annotated[Runtime, Depends(runtime)],
    principal: Annotated[Principal, Depends(require(Permission.VIEW_ORDERS.value))],
) -> Response:
    """One order: its record, timeline by stage, the evidence behind its cause, the cause,
    what to tell the customer, and the resolution history."""

    note_pii_read(request, principal, f"orders/{order_id}")
    key = answer_key(principal, order_id=order_id)
    if has_user_scopes():
        # a caller with per-user scopes: her order is checked against them, on its own

        def work(s: Store) -> Any:
            ensure_order_in_scope(s, order_id)
            return masked(order_detail(s, order_id), principal)

        return await rt.answer("order", key, work)

    def finish(detail: Any) -> Any:
        if detail is MISSING:
            raise unknown_order(order_id)
        return masked(detail, principal)

    # concurrent misses are looked up together (one query per part for the whole batch)
    return await rt.answer_batched(
        "order", key, order_id, rt.batcher("order", order_details), finish
    )
