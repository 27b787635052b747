"""Patterns and alerts: the pattern scan's anomalies, trends, seasonal profiles and recurring
causes (:mod:`dfras.patterns.service`), its event correlations, and the alerts the rules raised
(:func:`dfras.alerts.lifecycle.list_alerts`) — all read from what the scans stored."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from dfras.alerts.lifecycle import list_alerts
from dfras.analysis.explain import default_as_of
from dfras.auth.roles import Permission
from dfras.patterns import service as patterns
from dfras.service.principal import require
from dfras.web import charts
from dfras.web.scope_params import PERIODS, ScopeParams
from dfras.web.store import reading
from dfras.web.templating import render
from dfras.web.views import cached

router = APIRouter()
ALERT_LIMIT = 50


@router.get(
    "/patterns",
    dependencies=[Depends(require(Permission.VIEW_ANALYTICS.value))],
    response_class=HTMLResponse,
)
def patterns_page(request: Request) -> HTMLResponse:
    sp = ScopeParams.read(request.query_params)
    with reading(request) as store:
        as_of = default_as_of(store)
        scope = sp.scope(as_of)
        alerts = [a.to_dict() for a in list_alerts(store, limit=ALERT_LIMIT)]
    stored = cached(
        request,
        "web-patterns",
        sp.pairs(),
        lambda s: {
            "patterns": [d.to_dict() for d in patterns.list_patterns(s, scope)],
            "correlations": [c.to_dict() for c in patterns.list_correlations(s, scope)],
        },
    )
    found, correlations = stored["patterns"], stored["correlations"]
    by_type: dict[str, list[dict[str, Any]]] = {t: [] for t in patterns.PATTERN_TYPES}
    for d in found:
        by_type.setdefault(d["type"], []).append(d)
    dated = [d for d in found if d["window"]["start"] and d["window"]["end"]][:25]
    stats = [
        c
        for c in correlations
        if (c["evidence"].get("test") or {}).get("ci")
        and (c["evidence"]["test"].get("odds_ratio") or c["evidence"]["test"].get("ratio"))
    ][:15]
    return render(
        request,
        "patterns.html",
        {
            "title": "Patterns and alerts",
            "sp": sp,
            "as_of": as_of,
            "periods": PERIODS,
            "by_type": by_type,
            "count": len(found),
            "correlations": correlations,
            "alerts": alerts,
            "windows_chart": charts.windows(dated) if dated else None,
            "odds_chart": charts.odds_ratios(stats) if stats else None,
            "charts": bool(dated or stats),
        },
    )
