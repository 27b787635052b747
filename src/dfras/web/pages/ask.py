"""Ask: the question box, how the question was understood, the answer in words, its charts.

The form posts the question and is redirected to ``/ask?q=…`` (a page that can be bookmarked
and reloaded); the answer comes from :func:`dfras.ask.service.ask`, the CLI's ``dfras ask``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dfras.ask.service import ask
from dfras.auth.roles import Permission
from dfras.domain.errors import DfrasError
from dfras.kpi.breakdown import breakdown
from dfras.service.principal import require
from dfras.web.pages.compare import comparison_context
from dfras.web.pages.explore import explanation_context
from dfras.web.templating import render
from dfras.web.views import cached

router = APIRouter()

EXAMPLES = (
    "Why were deliveries delayed in {city} yesterday?",
    "Why did orders fail in the past week?",
    "Explain the top reasons for delivery failures linked to warehouse {warehouse} last month",
    "Compare delivery failure causes between {city} and {city2} last month",
    "What are the likely causes of delivery failures during the festival period, and how should we prepare?",
)


@router.post("/ask", dependencies=[Depends(require(Permission.VIEW_ANALYTICS.value))])
def ask_post(q: str = Form("")) -> Response:
    """Post-redirect-get: the answer lives at a URL of its own."""
    from urllib.parse import urlencode

    return RedirectResponse(f"/ask?{urlencode({'q': q})}", status_code=303)


@router.get(
    "/ask",
    dependencies=[Depends(require(Permission.VIEW_ANALYTICS.value))],
    response_class=HTMLResponse,
)
def ask_page(request: Request, q: str = "") -> HTMLResponse:
    question = q.strip()
    context: dict[str, Any] = {"title": "Ask", "question": question, "charts": False}
    error: DfrasError | None = None
    answer: dict[str, Any] | None = None
    context["examples"] = cached(request, "web-examples", None, _examples)
    if question:
        try:
            answer = cached(request, "web-ask", question, lambda s: ask(s, question).to_dict())
        except DfrasError as exc:
            error = exc
    if error is not None:
        context["error"] = {"message": error.message, "hint": error.hint}
        return render(request, "ask.html", context, status=400)
    if question and answer:
        context.update(answer=answer, as_of=answer["as_of"], charts=True)
        analysis = answer.get("analysis")
        if analysis and "segments" in analysis:
            context.update(explanation_context(analysis, prefix="ask"))
            context.update(kind="explanation", narrative_first=True)
        elif analysis and "decomposition" in analysis:
            context.update(comparison_context(analysis, prefix="ask"))
            context["kind"] = "comparison"
    return render(request, "ask.html", context)


def _examples(store: Any) -> list[str]:
    """The canonical questions, with names taken from the data so they can be answered."""
    top = breakdown(store, dimensions=("city", "warehouse_id"), top=2)
    cities = [r["value"] for r in top["city"]]
    warehouses = [r["value"] for r in top["warehouse_id"]]
    if len(cities) < 2 or not warehouses:
        return [EXAMPLES[1], EXAMPLES[4]]
    names = {"city": cities[0], "city2": cities[1], "warehouse": warehouses[0]}
    return [e.format(**names) for e in EXAMPLES]
