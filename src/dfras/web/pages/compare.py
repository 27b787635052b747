"""Compare: two selections side by side, the gap with its interval, and where it comes from.

Runs :func:`dfras.analysis.compare.compare` (the CLI's ``dfras compare``): the difference in
rate with a Newcombe interval and its exact split into mix (more orders in bad conditions) and
rate (worse in the same conditions), attribute by attribute.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from dfras.analysis.compare import compare
from dfras.analysis.explain import default_as_of
from dfras.auth.roles import Permission
from dfras.service.principal import require
from dfras.web import charts
from dfras.web.pages.explore import outcome_of
from dfras.web.scope_params import OUTCOMES, PERIODS, ScopeParams
from dfras.web.store import reading
from dfras.web.templating import render
from dfras.web.views import cached

router = APIRouter()


@router.get(
    "/compare",
    dependencies=[Depends(require(Permission.VIEW_ANALYTICS.value))],
    response_class=HTMLResponse,
)
def compare_page(request: Request) -> HTMLResponse:
    """The two selections; the comparison itself is a fragment fetched after the page."""
    a = ScopeParams.read(request.query_params, prefix="a_")
    b = ScopeParams.read(request.query_params, prefix="b_")
    outcome = outcome_of(request)
    with reading(request) as store:
        as_of = default_as_of(store)
    if a.pairs():  # a bad selection is reported now, not inside the fragment
        a.scope(as_of)
        b.scope(as_of)
    query = "&".join(q for q in (a.query(), b.query(), f"outcome={outcome}") if q)
    context: dict[str, Any] = {
        "title": "Compare",
        "a": a,
        "b": b,
        "outcome": outcome,
        "outcomes": OUTCOMES,
        "periods": PERIODS,
        "as_of": as_of,
        "result_url": f"/compare/result?{query}" if a.pairs() else None,
        "charts": bool(a.pairs()),
    }
    return render(request, "compare.html", context)


@router.get(
    "/compare/result",
    dependencies=[Depends(require(Permission.VIEW_ANALYTICS.value))],
    response_class=HTMLResponse,
)
def compare_result(request: Request) -> HTMLResponse:
    """The comparison of two selections: a fragment for the page, or a page of its own."""
    a = ScopeParams.read(request.query_params, prefix="a_")
    b = ScopeParams.read(request.query_params, prefix="b_")
    outcome = outcome_of(request)
    with reading(request) as store:
        as_of = default_as_of(store)
    scope_a = a.scope(as_of)
    scope_b = b.scope(as_of) if b.pairs() else None
    result = cached(
        request,
        "web-compare",
        [a.pairs(), b.pairs(), outcome],
        lambda store: compare(store, scope_a=scope_a, scope_b=scope_b, outcome=outcome).to_dict(),
    )
    context = comparison_context(result, prefix="cmp")
    query = "&".join(q for q in (a.query(), b.query(), f"outcome={outcome}") if q)
    context.update(
        title="Comparison", as_of=as_of, charts=True, back=f"/compare?{query}", outcome=outcome
    )
    fragment = request.headers.get("x-fragment") == "1"
    return render(request, "_comparison.html" if fragment else "comparison.html", context)


def comparison_context(result: dict[str, Any], prefix: str = "cmp") -> dict[str, Any]:
    """What a template needs to show a comparison: the split chart and the causes chart."""
    decomposition = result.get("decomposition") or []
    percent = result["outcome"] != "delay"
    top = decomposition[:10]
    causes = (result.get("causes") or [])[:10]
    names = (
        result["scopes"][0]["description"][:40] or "A",
        result["scopes"][1]["description"][:40] or "B",
    )
    return {
        "c": result,
        "prefix": prefix,
        "split_chart": charts.paired_bars(
            [d["attribute"] for d in top],
            [d["mix"] for d in top],
            [d["rate"] for d in top],
            names=("mix", "rate"),
            title="Contribution (points)" if percent else "Contribution (hours)",
            percent=percent,
            tickformat=".1%",
        )
        if top
        else None,
        "causes_chart": charts.paired_bars(
            [c["cause"] for c in causes],
            [c["share_a"] for c in causes],
            [c["share_b"] for c in causes],
            names=(f"A: {names[0]}", f"B: {names[1]}"),
            title="Share of failed orders by recorded reason",
        )
        if causes
        else None,
    }
