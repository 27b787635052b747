"""Explorer: drill down by city, warehouse, partner, client, driver, route and period.

The page itself shows descriptive breakdowns (fast aggregates); the segment explanation of the
current selection (:func:`dfras.analysis.explain.explain`, seconds on a million orders) is a
fragment the page fetches after it has loaded, with a plain link for browsers without script.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from dfras.analysis.explain import default_as_of, explain
from dfras.auth.roles import Permission
from dfras.kpi.breakdown import breakdown
from dfras.overview.service import overview
from dfras.service.principal import require
from dfras.web import charts
from dfras.web.scope_params import BY_COLUMN, LABELS, OUTCOMES, PERIODS, ScopeParams
from dfras.web.store import reading
from dfras.web.templating import render
from dfras.web.views import cached, labelled

router = APIRouter()


def outcome_of(request: Request) -> str:
    outcome = request.query_params.get("outcome") or "failure"
    return outcome if outcome in dict(OUTCOMES) else "failure"


@router.get(
    "/explore",
    dependencies=[Depends(require(Permission.VIEW_ANALYTICS.value))],
    response_class=HTMLResponse,
)
def explore_page(request: Request) -> HTMLResponse:
    sp = ScopeParams.read(request.query_params)
    outcome = outcome_of(request)
    rate_key = charts.OUTCOME_RATE.get(outcome, "late_rate")
    rate_label = charts.OUTCOME_LABEL.get(outcome if outcome != "delay" else "late")
    with reading(request) as store:
        as_of = default_as_of(store)
        scope = sp.scope(as_of)
        summary = overview(store, scope)
    parts = cached(request, "web-breakdown", sp.pairs(), lambda s: breakdown(s, scope))
    dims: list[dict[str, Any]] = []
    for column, rows in parts.items():
        links = [
            f"/explore?{sp.with_filter(column, r['value']).query(outcome=outcome)}" for r in rows
        ]
        dims.append(
            {
                "column": column,
                "param": BY_COLUMN[column],
                "label": LABELS[column],
                "rows": [{**r, "url": u} for r, u in zip(rows, links, strict=True)],
                "chart": charts.rate_bars(
                    rows, rate_key=rate_key, label=rate_label or "", urls=links
                ),
            }
        )
    context = {
        "title": "Explore",
        "sp": sp,
        "outcome": outcome,
        "outcomes": OUTCOMES,
        "periods": PERIODS,
        "scope": scope.to_dict(),
        "as_of": as_of,
        "dims": dims,
        "rate_key": rate_key,
        "rate_label": rate_label,
        "summary": summary,
        "trend_chart": charts.trend(summary["trend"]) if summary["trend"] else None,
        "lists": {d["column"]: [r["value"] for r in d["rows"]] for d in dims},
        "explanation_url": f"/explore/explanation?{sp.query(outcome=outcome)}",
        "charts": True,
    }
    return render(request, "explore.html", context)


@router.get(
    "/explore/explanation",
    dependencies=[Depends(require(Permission.VIEW_ANALYTICS.value))],
    response_class=HTMLResponse,
)
def explanation(request: Request) -> HTMLResponse:
    """The segment explanation of a selection: a fragment for the page, or a page of its own."""
    sp = ScopeParams.read(request.query_params)
    outcome = outcome_of(request)
    with reading(request) as store:
        as_of = default_as_of(store)
    scope = sp.scope(as_of)
    result = cached(
        request,
        "web-explain",
        [sp.pairs(), outcome],
        lambda store: explain(store, scope=scope, outcome=outcome).to_dict(),
    )
    context = explanation_context(result)
    fragment = request.headers.get("x-fragment") == "1"
    context.update(
        title="Explanation",
        sp=sp,
        outcome=outcome,
        as_of=as_of,
        back=f"/explore?{sp.query(outcome=outcome)}",
        charts=True,
    )
    return render(request, "_explanation.html" if fragment else "explanation.html", context)


def explanation_context(result: dict[str, Any], prefix: str = "expl") -> dict[str, Any]:
    """What a template needs to show an explanation: findings with labels and their charts."""
    segments = labelled(result["segments"])
    reasons = [r for r in result.get("reasons", []) if r.get("failed")]
    return {
        "e": result,
        "segments": segments,
        "prefix": prefix,
        "interval_chart": charts.intervals(segments, result["outcome"]) if segments else None,
        "reasons_chart": charts.count_bars(
            [r["reason"] for r in reasons[:10]],
            [r["failed"] for r in reasons[:10]],
            title="Failed orders by recorded reason (observed, not tested)",
            colour=charts.GREY,
        )
        if reasons
        else None,
    }
