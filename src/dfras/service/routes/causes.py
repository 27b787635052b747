"""Per-order causes: counts by cause in a scope, one order's cause, and its resolution."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response

from dfras.auth.roles import Permission
from dfras.causes.resolution import cause_with_resolution, resolution_state, update_resolution
from dfras.overview.service import rate
from dfras.service.exit import answer_key, ensure_order_in_scope, masked
from dfras.service.models import CauseCounts, CauseDetail, Resolution, ResolutionUpdate
from dfras.service.principal import Principal, require
from dfras.service.problems import problem_responses
from dfras.service.runtime import Runtime, dumps, json_response, runtime
from dfras.service.scopes import ScopeModel, scope_query
from dfras.store.base import Store
from dfras.summaries import service as summaries

router = APIRouter(tags=["causes"])

OrderId = Annotated[int, Path(ge=0, le=9_223_372_036_854_775_807)]


def _counts(store: Store, scope: ScopeModel) -> dict[str, object]:
    built = scope.build(store)
    rows = summaries.cause_counts(store, built)
    total = sum(r["orders"] for r in rows)
    return {
        "scope": built.to_dict(),
        "orders": total,
        "causes": [{**r, "share": rate(r["orders"], total)} for r in rows],
    }


@router.get("/causes", response_model=CauseCounts, responses=problem_responses(400, 422, 503))
async def causes(
    scope: Annotated[ScopeModel, Depends(scope_query)],
    rt: Annotated[Runtime, Depends(runtime)],
    _: Annotated[Principal, Depends(require(Permission.VIEW_ANALYTICS.value))],
) -> Response:
    """Failed, returned and late orders of the scope per primary cause (list the orders of one
    cause with ``GET /orders?cause=...``)."""
    return await rt.answer("causes", scope.key(), lambda s: _counts(s, scope))


@router.get(
    "/causes/{order_id}", response_model=CauseDetail, responses=problem_responses(404, 422, 503)
)
async def cause(
    order_id: OrderId,
    rt: Annotated[Runtime, Depends(runtime)],
    principal: Annotated[Principal, Depends(require(Permission.VIEW_ORDERS.value))],
) -> Response:
    """The order's root cause with its evidence, confidence and resolution state."""

    def work(s: Store) -> Any:
        ensure_order_in_scope(s, order_id)
        return masked(cause_with_resolution(s, order_id), principal)

    return await rt.answer("cause", answer_key(principal, order_id=order_id), work)


@router.get(
    "/causes/{order_id}/resolution",
    response_model=Resolution,
    responses=problem_responses(404, 422, 503),
)
async def resolution(
    order_id: OrderId,
    rt: Annotated[Runtime, Depends(runtime)],
    principal: Annotated[Principal, Depends(require(Permission.VIEW_ORDERS.value))],
) -> Response:
    """Where the order's cause stands: status, notes, who resolved it and when, history."""

    def work(s: Store) -> Any:
        ensure_order_in_scope(s, order_id)
        return resolution_state(s, order_id)

    return await rt.answer("resolution", answer_key(principal, order_id=order_id), work)


@router.post(
    "/causes/{order_id}/resolution",
    response_model=Resolution,
    responses=problem_responses(400, 404, 422, 503),
)
def move_resolution(
    order_id: OrderId,
    body: ResolutionUpdate,
    rt: Annotated[Runtime, Depends(runtime)],
    principal: Annotated[Principal, Depends(require(Permission.MANAGE_CAUSES.value))],
) -> Response:
    """Move the cause along Pending → In Progress → Resolved → Closed (or re-open a resolved
    one), with a note and preventive measures; recorded with the caller and the time."""

    def work(s: Store) -> Any:
        ensure_order_in_scope(s, order_id)
        return update_resolution(
            s,
            order_id,
            status=body.status,
            note=body.note,
            preventive_measures=body.preventive_measures,
            user=principal.user_id,
        )

    state = rt.write(work)
    return json_response(dumps(state))
