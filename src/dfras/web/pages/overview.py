"""Overview: volume, failure/late/return and first-attempt rates with their daily trend, the
top causes, lost revenue and COD at risk, the latest alerts, and the as-of time — all from
:func:`dfras.overview.service.overview` (read from the daily summaries: milliseconds)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from dfras.analysis.explain import default_as_of
from dfras.auth.roles import Permission
from dfras.overview.service import overview
from dfras.service.principal import require
from dfras.web import charts
from dfras.web.scope_params import PERIODS, ScopeParams
from dfras.web.store import reading
from dfras.web.templating import render

router = APIRouter()


@router.get(
    "/",
    dependencies=[Depends(require(Permission.VIEW_ANALYTICS.value))],
    response_class=HTMLResponse,
)
def overview_page(request: Request) -> HTMLResponse:
    sp = ScopeParams.read(request.query_params)
    with reading(request) as store:
        as_of = default_as_of(store)
        result = overview(store, sp.scope(as_of))
    causes = result["top_causes"]
    context: dict[str, Any] = {
        "title": "Overview",
        "sp": sp,
        "o": result,
        "alerts": result["alerts"],  # the newest unresolved, as GET /overview lists them
        "as_of": result["as_of"] or as_of,
        "periods": PERIODS,
        "trend_chart": charts.trend(result["trend"]) if result["trend"] else None,
        "causes_chart": charts.count_bars(
            [
                f"{c['cause']} ({c['category']})" if c.get("category") else c["cause"]
                for c in causes
            ],
            [c["orders"] for c in causes],
            title="Orders by primary cause",
        )
        if causes
        else None,
        "charts": bool(result["trend"] or causes),
    }
    return render(request, "overview.html", context)
