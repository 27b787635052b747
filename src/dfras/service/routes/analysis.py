"""Explanations (in the background), comparisons and plain-English questions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response

from dfras.analysis.compare import compare
from dfras.analysis.explain import explain
from dfras.ask.service import ask
from dfras.auth.roles import Permission
from dfras.domain.errors import UserError
from dfras.service.models import AskRequest, CompareRequest, ExplainRequest, Job, JsonObject
from dfras.service.principal import Principal, require
from dfras.service.problems import problem_responses
from dfras.service.runtime import Runtime, job_response, json_response, runtime
from dfras.store.base import Store

router = APIRouter(tags=["analysis"])

JobId = Annotated[str, Path(min_length=1, max_length=64)]


def _explain(store: Store, body: ExplainRequest) -> dict[str, Any]:
    return explain(
        store,
        scope=body.scope.build(store),
        outcome=body.outcome,
        fdr=body.fdr,
        min_support=body.min_support,
        limit=body.limit,
        as_of=body.scope.as_of_time(),
    ).to_dict()


@router.post(
    "/explanations",
    response_model=JsonObject,
    status_code=200,
    responses={
        202: {"model": Job, "description": "Accepted: computing; poll the job"},
        **problem_responses(400, 422, 503),
    },
)
def start_explanation(
    body: ExplainRequest,
    rt: Annotated[Runtime, Depends(runtime)],
    _: Annotated[Principal, Depends(require(Permission.VIEW_ANALYTICS.value))],
) -> Response:
    """Why the outcome is high in the scope: 200 with the explanation when it was computed
    before, else 202 with a job to poll at ``GET /explanations/{job_id}``."""
    found = rt.background(
        "explain", "explanation", body.model_dump(mode="json"), lambda s: _explain(s, body)
    )
    if isinstance(found, bytes):
        return json_response(found, cache="hit")
    return job_response(found, 202)


@router.get("/explanations/{job_id}", response_model=Job, responses=problem_responses(404, 422))
def explanation(
    job_id: JobId,
    rt: Annotated[Runtime, Depends(runtime)],
    _: Annotated[Principal, Depends(require(Permission.VIEW_ANALYTICS.value))],
) -> Response:
    """An explanation job: its status, and the explanation once it succeeded."""
    return job_response(rt.jobs.get(job_id, "explanation"), 200)


@router.post("/comparisons", response_model=JsonObject, responses=problem_responses(400, 422, 503))
async def comparison(
    body: CompareRequest,
    rt: Annotated[Runtime, Depends(runtime)],
    _: Annotated[Principal, Depends(require(Permission.VIEW_ANALYTICS.value))],
) -> Response:
    """Compare scope A with scope B (or with every other order): the gap with its interval,
    its mix and rate parts per attribute, and the recorded reasons side by side."""
    return await rt.answer(
        "compare",
        body.model_dump(mode="json"),
        lambda s: compare(
            s,
            scope_a=body.a.build(s),
            scope_b=body.b.build(s) if body.b is not None else None,
            outcome=body.outcome,
        ).to_dict(),
    )


@router.post("/ask", response_model=JsonObject, responses=problem_responses(400, 422, 503))
async def question(
    body: AskRequest,
    rt: Annotated[Runtime, Depends(runtime)],
    _: Annotated[Principal, Depends(require(Permission.VIEW_ANALYTICS.value))],
) -> Response:
    """Answer a plain-English question ("why did failures rise in Mumbai last week?")."""
    as_of = None
    if body.as_of:
        try:
            as_of = datetime.fromisoformat(body.as_of)
        except ValueError as exc:
            raise UserError(
                f"as_of {body.as_of!r} is not a date", hint="write it as YYYY-MM-DD"
            ) from exc
    return await rt.answer(
        "ask", body.model_dump(mode="json"), lambda s: ask(s, body.question, as_of=as_of).to_dict()
    )
