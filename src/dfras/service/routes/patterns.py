"""Patterns (anomalies, trends, seasonal profiles, recurring causes) and event correlations,
read from what the pattern scan stored; the scan reruns (as a write) when the data moved on."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from dfras.patterns import service as patterns
from dfras.service.principal import Principal, require
from dfras.service.problems import problem_responses
from dfras.service.resources import Anomaly, Correlation, CorrelationGraph, Pattern
from dfras.service.runtime import Freshness, Runtime, runtime
from dfras.service.scopes import ScopeModel, scope_query

router = APIRouter(tags=["patterns"])

SCANNED = Freshness(is_current=patterns.is_current, refresh=patterns.ensure_current)
PatternType = Literal["Anomaly", "Trend", "Seasonal", "Recurring"]
CorrelationType = Literal["Temporal", "Spatial", "Statistical"]
PatternId = Annotated[str, Path(min_length=1, max_length=200)]
Viewer = Annotated[Principal, Depends(require("view_analytics"))]


@router.get("/patterns", response_model=list[Pattern], responses=problem_responses(400, 422, 503))
async def list_patterns(
    scope: Annotated[ScopeModel, Depends(scope_query)],
    rt: Annotated[Runtime, Depends(runtime)],
    _: Viewer,
    type: Annotated[list[PatternType] | None, Query(max_length=4)] = None,
) -> Response:
    """Detected patterns of the scope (entity filters; windows overlapping its period), most
    confident first; ``type`` (repeatable) keeps only those types."""
    params = {"scope": scope.key(), "type": sorted(type or [])}
    return await rt.answer(
        "patterns",
        params,
        lambda s: [
            d.to_dict() for d in patterns.list_patterns(s, scope.build(s), types=_names(type))
        ],
        fresh=SCANNED,
    )


@router.get("/anomalies", response_model=list[Pattern], responses=problem_responses(400, 422, 503))
async def list_anomalies(
    scope: Annotated[ScopeModel, Depends(scope_query)],
    rt: Annotated[Runtime, Depends(runtime)],
    _: Viewer,
) -> Response:
    """Bursts of failures, returns or late deliveries above what the entity's own history and
    weekday profile lead one to expect (false discoveries controlled over the whole scan)."""
    return await rt.answer(
        "anomalies",
        scope.key(),
        lambda s: [d.to_dict() for d in patterns.list_anomalies(s, scope.build(s))],
        fresh=SCANNED,
    )


@router.get(
    "/anomalies/{pattern_id}", response_model=Anomaly, responses=problem_responses(404, 422, 503)
)
async def anomaly(
    pattern_id: PatternId, rt: Annotated[Runtime, Depends(runtime)], _: Viewer
) -> Response:
    """One anomaly with the root-cause engine's explanation of its window."""
    return await rt.answer(
        "anomaly",
        pattern_id,
        lambda s: patterns.anomaly_with_explanation(s, pattern_id),
        fresh=SCANNED,
    )


@router.get(
    "/correlations", response_model=list[Correlation], responses=problem_responses(400, 422, 503)
)
async def list_correlations(
    scope: Annotated[ScopeModel, Depends(scope_query)],
    rt: Annotated[Runtime, Depends(runtime)],
    _: Viewer,
    type: Annotated[list[CorrelationType] | None, Query(max_length=3)] = None,
) -> Response:
    """Event correlations (temporal, spatial, statistical) of the scope's cities and period,
    each with its evidence and test."""
    params = {"scope": scope.key(), "type": sorted(type or [])}
    return await rt.answer(
        "correlations",
        params,
        lambda s: [
            c.to_dict() for c in patterns.list_correlations(s, scope.build(s), types=_names(type))
        ],
        fresh=SCANNED,
    )


@router.get(
    "/correlations/{correlation_id}/graph",
    response_model=CorrelationGraph,
    responses=problem_responses(404, 422, 503),
)
async def correlation_graph(
    correlation_id: PatternId, rt: Annotated[Runtime, Depends(runtime)], _: Viewer
) -> Response:
    """The correlation as a causal chain: event → city → routes/partners/warehouses → failed
    orders, as ``{"nodes": [...], "edges": [...]}``."""
    return await rt.answer(
        "correlation-graph",
        correlation_id,
        lambda s: patterns.causal_chain(s, correlation_id),
        fresh=SCANNED,
    )


def _names(values: list[PatternType] | list[CorrelationType] | None) -> list[str] | None:
    return [str(v) for v in values] if values else None
