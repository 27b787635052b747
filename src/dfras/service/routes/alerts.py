"""Alerts and their handling (acknowledge, resolve), the rules that raise them, the channels
that carry them, and evaluating the rules on demand."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from dfras.alerts import channels as channel_store
from dfras.alerts import lifecycle
from dfras.alerts import rules as rule_store
from dfras.alerts.service import evaluate
from dfras.service.principal import Principal, require
from dfras.service.problems import problem_responses
from dfras.service.resources import (
    Alert,
    AlertAction,
    AlertDetail,
    ChannelIn,
    ChannelOut,
    Evaluation,
    RuleIn,
    RuleOut,
    Severity,
)
from dfras.service.runtime import Runtime, dumps, json_response, runtime
from dfras.store.base import Store

router = APIRouter(tags=["alerts"])

AlertId = Annotated[int, Path(ge=0, le=9_223_372_036_854_775_807)]
RuleRef = Annotated[str, Path(min_length=1, max_length=80)]
Viewer = Annotated[Principal, Depends(require("view_alerts"))]
Manager = Annotated[Principal, Depends(require("manage_alerts"))]
State = Annotated[str, Query(pattern="^(open|acknowledged|resolved)$")]


def _detail(store: Store, alert_id: int) -> dict[str, Any]:
    return {
        **lifecycle.get_alert(store, alert_id).to_dict(),
        "history": lifecycle.history(store, alert_id),
    }


@router.get("/alerts", response_model=list[Alert], responses=problem_responses(400, 422, 503))
async def list_alerts(
    rt: Annotated[Runtime, Depends(runtime)],
    _: Viewer,
    state: Annotated[list[State] | None, Query(max_length=3)] = None,
    severity: Annotated[list[Severity] | None, Query(max_length=4)] = None,
    rule: Annotated[str | None, Query(min_length=1, max_length=80)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """Alerts newest first, filtered by state, severity (each repeatable) and rule name or id."""
    params = {"state": state, "severity": severity, "rule": rule, "limit": limit}
    return await rt.answer(
        "alerts",
        params,
        lambda s: [
            a.to_dict()
            for a in lifecycle.list_alerts(
                s,
                states=state,
                severities=[str(v) for v in severity] if severity else None,
                rule=rule,
                limit=limit,
            )
        ],
    )


@router.get(
    "/alerts/{alert_id}", response_model=AlertDetail, responses=problem_responses(404, 422, 503)
)
async def alert(alert_id: AlertId, rt: Annotated[Runtime, Depends(runtime)], _: Viewer) -> Response:
    """One alert with its history: raised, seen again, acknowledged, resolved (by whom)."""
    return await rt.answer("alert", alert_id, lambda s: _detail(s, alert_id))


@router.post(
    "/alerts/{alert_id}/acknowledge",
    response_model=AlertDetail,
    responses=problem_responses(400, 404, 422, 503),
)
def acknowledge(
    alert_id: AlertId,
    rt: Annotated[Runtime, Depends(runtime)],
    principal: Manager,
    body: AlertAction | None = None,
) -> Response:
    """Mark an open alert as being handled (400 when it is not open)."""
    note = body.note if body else None

    def work(s: Store) -> dict[str, Any]:
        lifecycle.acknowledge(s, alert_id, by=principal.user_id, note=note)
        return _detail(s, alert_id)

    return json_response(dumps(rt.write(work)))


@router.post(
    "/alerts/{alert_id}/resolve",
    response_model=AlertDetail,
    responses=problem_responses(400, 404, 422, 503),
)
def resolve(
    alert_id: AlertId,
    rt: Annotated[Runtime, Depends(runtime)],
    principal: Manager,
    body: AlertAction | None = None,
) -> Response:
    """Close an open or acknowledged alert, with a note (400 when it is resolved already)."""
    note = body.note if body else None

    def work(s: Store) -> dict[str, Any]:
        lifecycle.resolve(s, alert_id, by=principal.user_id, note=note)
        return _detail(s, alert_id)

    return json_response(dumps(rt.write(work)))


@router.post("/alerts/evaluate", response_model=Evaluation, responses=problem_responses(503))
def evaluate_now(rt: Annotated[Runtime, Depends(runtime)], _: Manager) -> Response:
    """Evaluate every enabled rule now (a stale pattern scan reruns first): what fired, what
    opened, updated and resolved, per rule."""
    return json_response(dumps(rt.write(lambda s: evaluate(s, refresh_patterns=True).to_dict())))


@router.get("/alert-rules", response_model=list[RuleOut], responses=problem_responses(503))
async def list_rules(rt: Annotated[Runtime, Depends(runtime)], _: Viewer) -> Response:
    """Every alert rule, enabled or not."""
    return await rt.answer(
        "alert-rules", {}, lambda s: [r.to_dict() for r in rule_store.list_rules(s)]
    )


@router.post(
    "/alert-rules",
    response_model=RuleOut,
    status_code=201,
    responses=problem_responses(400, 422, 503),
)
def save_rule(body: RuleIn, rt: Annotated[Runtime, Depends(runtime)], _: Manager) -> Response:
    """Create a rule, or replace the rule of the same name (its id and alerts kept). Settings
    are checked per kind; a wrong one is a 422 on ``params`` naming it."""
    rule = rule_store.build_rule(
        name=body.name,
        kind=body.kind,
        severity=body.severity,
        params=body.params,
        channels=list(body.channels),
        description=body.description,
        enabled=body.enabled,
    )
    saved = rt.write(lambda s: rule_store.save_rule(s, rule))
    return json_response(dumps(saved.to_dict()), status=201)


@router.delete("/alert-rules/{rule}", status_code=204, responses=problem_responses(404, 422, 503))
def delete_rule(
    rule: RuleRef, rt: Annotated[Runtime, Depends(runtime)], principal: Manager
) -> Response:
    """Remove a rule (by name or id); its unresolved alerts are resolved."""
    rt.write(lambda s: rule_store.remove_rule(s, rule, by=principal.user_id))
    return Response(status_code=204)


@router.get("/alert-channels", response_model=list[ChannelOut], responses=problem_responses(503))
async def list_channels(rt: Annotated[Runtime, Depends(runtime)], _: Manager) -> Response:
    """Every channel, with addresses and secret references (never secret values)."""
    return await rt.answer(
        "alert-channels", {}, lambda s: [c.to_dict() for c in channel_store.list_channels(s)]
    )


@router.post(
    "/alert-channels",
    response_model=ChannelOut,
    status_code=201,
    responses=problem_responses(400, 422, 503),
)
def save_channel(body: ChannelIn, rt: Annotated[Runtime, Depends(runtime)], _: Manager) -> Response:
    """Create a channel or replace the one of the same name. A webhook needs
    ``secret: env:NAME`` (or ``file:PATH``); a literal secret is refused (422 on ``config``)."""
    channel = channel_store.build_channel(
        name=body.name,
        type=body.type,
        config=body.config,
        min_severity=body.min_severity,
        enabled=body.enabled,
    )
    saved = rt.write(lambda s: channel_store.save_channel(s, channel))
    return json_response(dumps(saved.to_dict()), status=201)
