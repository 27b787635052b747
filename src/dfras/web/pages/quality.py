"""Data quality: the report of ``dfras quality`` (per-domain scores, rules broken, coverage,
consistency findings), from :func:`dfras.quality.report.build_report`."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from dfras.analysis.explain import default_as_of
from dfras.auth.roles import Permission
from dfras.quality.report import build_report
from dfras.service.principal import require
from dfras.web import charts
from dfras.web.store import reading
from dfras.web.templating import render
from dfras.web.views import cached

router = APIRouter()


@router.get(
    "/quality",
    dependencies=[Depends(require(Permission.VIEW_ANALYTICS.value))],
    response_class=HTMLResponse,
)
def quality_page(request: Request) -> HTMLResponse:
    with reading(request) as store:
        as_of = default_as_of(store)
    # seconds on a million orders: from the server's cache while the data is unchanged
    report = cached(request, "web-quality", None, lambda s: build_report(s).to_dict())
    domains = report["domains"]
    score_chart = charts.count_bars(
        [d["domain"] for d in domains], [d["score"] for d in domains], title="Quality score (0–100)"
    )
    coverage_chart = charts.rate_bars(
        [{"value": k, "orders": 0, "coverage": v} for k, v in report["coverage"].items()],
        rate_key="coverage",
        label="Share of orders covered",
    )
    for trace in coverage_chart["data"]:
        trace["hovertemplate"] = "%{y}: %{x:.1%}<extra></extra>"
    return render(
        request,
        "quality.html",
        {
            "title": "Data quality",
            "report": report,
            "as_of": as_of,
            "score_chart": score_chart,
            "coverage_chart": coverage_chart,
            "charts": True,
        },
    )
