"""The overview of a scope and the store's headline KPIs."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from dfras.auth.roles import Permission
from dfras.kpi.summary import summarise
from dfras.overview.service import overview as overview_of
from dfras.service.models import JsonObject, Overview
from dfras.service.principal import Principal, require
from dfras.service.problems import problem_responses
from dfras.service.runtime import Runtime, runtime
from dfras.service.scopes import ScopeModel, scope_query

router = APIRouter(tags=["overview"])


@router.get("/overview", response_model=Overview, responses=problem_responses(400, 422, 503))
async def overview(
    scope: Annotated[ScopeModel, Depends(scope_query)],
    rt: Annotated[Runtime, Depends(runtime)],
    _: Annotated[Principal, Depends(require(Permission.VIEW_ANALYTICS.value))],
) -> Response:
    """Headline rates, daily trend, top causes, lost revenue and COD at risk of the scope."""
    return await rt.answer("overview", scope.key(), lambda s: overview_of(s, scope.build(s)))


@router.get("/kpis", response_model=JsonObject, responses=problem_responses(503))
async def kpis(
    rt: Annotated[Runtime, Depends(runtime)],
    _: Annotated[Principal, Depends(require(Permission.VIEW_ANALYTICS.value))],
) -> Response:
    """Whole-store KPIs with denominators, recorded failure reasons, and a per-city breakdown
    (the same figures as ``dfras info``)."""
    return await rt.answer("kpis", {}, lambda s: asdict(summarise(s)))
