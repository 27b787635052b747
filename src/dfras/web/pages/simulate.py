"""Simulation: what onboarding a client would do — a form, then the simulated month against
today's operations with 90% intervals, the new risks, and mitigations ranked by what they avoid.

Runs :func:`dfras.simulate.service.simulate` (the CLI's ``dfras simulate new-client``) without
saving; the result is a fragment fetched after the page (seconds of Monte Carlo), cached by
the server like every other analysis.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from dfras.auth.roles import Permission
from dfras.domain.errors import UserError
from dfras.kpi.breakdown import breakdown
from dfras.service.principal import require
from dfras.simulate.scenarios import NewClient
from dfras.simulate.service import simulate
from dfras.web import charts
from dfras.web.templating import render
from dfras.web.views import cached

router = APIRouter()
RUNS = (500, 2000, 10000)
MEASURES = (("orders", "Orders"), ("failed", "Failed"), ("late", "Late"), ("returned", "Returned"))


def _form(request: Request) -> dict[str, Any]:
    q = request.query_params
    try:
        monthly = int(q.get("monthly_orders") or 20000)
        runs = int(q.get("runs") or 2000)
    except ValueError as exc:
        raise UserError("monthly orders and runs must be whole numbers") from exc
    if runs not in RUNS:
        raise UserError(f"runs must be one of {', '.join(map(str, RUNS))}, got {runs}")
    return {
        "monthly_orders": monthly,
        "city": (q.get("city") or "").strip(),
        "runs": runs,
        "submitted": "monthly_orders" in q,
    }


@router.get(
    "/simulate",
    dependencies=[Depends(require(Permission.VIEW_PREDICTIONS.value))],
    response_class=HTMLResponse,
)
def simulate_page(request: Request) -> HTMLResponse:
    form = _form(request)
    cities = cached(
        request,
        "web-cities",
        None,
        lambda s: [r["value"] for r in breakdown(s, dimensions=("city",), top=50)["city"]],
    )
    if form["city"] and form["city"] not in cities:
        raise UserError(f"no city {form['city']!r} in the data", hint="pick one from the list")
    query = urlencode({k: form[k] for k in ("monthly_orders", "city", "runs")})
    return render(
        request,
        "simulate.html",
        {
            "title": "Simulate",
            "form": form,
            "cities": cities,
            "runs_choices": RUNS,
            "result_url": f"/simulate/result?{query}" if form["submitted"] else None,
            "charts": form["submitted"],
        },
    )


@router.get(
    "/simulate/result",
    dependencies=[Depends(require(Permission.RUN_MODELS.value))],
    response_class=HTMLResponse,
)
def simulate_result(request: Request) -> HTMLResponse:
    form = _form(request)
    scenario = NewClient(
        monthly_orders=form["monthly_orders"],
        cities={form["city"]: 1.0} if form["city"] else {},
        name="the new client",
    )
    result = cached(
        request,
        "web-simulate",
        [form["monthly_orders"], form["city"], form["runs"]],
        lambda store: simulate(store, scenario, runs=form["runs"], save=False).to_dict(),
    )
    total = result["summary"]["total"]
    rows = [{"label": label, **total[key]} for key, label in MEASURES[1:] if key in total]
    cities = result["summary"].get("by_city") or []
    city_rows = [
        {"label": c["name"], **c["failed"]} for c in cities if c.get("failed", {}).get("delta_mean")
    ][:8]
    context = {
        "s": result,
        "totals": [{"key": k, "label": label, **total[k]} for k, label in MEASURES if k in total],
        "outcome_chart": charts.simulated(rows, title="Orders in the simulated period"),
        "city_chart": charts.simulated(city_rows, title="Failed orders") if city_rows else None,
        "title": "Simulation",
        "charts": True,
        "back": f"/simulate?{urlencode({k: form[k] for k in ('monthly_orders', 'city', 'runs')})}",
    }
    fragment = request.headers.get("x-fragment") == "1"
    return render(request, "_simulation.html" if fragment else "simulation.html", context)
