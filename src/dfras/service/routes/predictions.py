"""Failure-risk models (trained in the background, versioned) and the riskiest open orders."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from dfras.predict import service as predict
from dfras.service.models import Job
from dfras.service.principal import Principal, require
from dfras.service.problems import problem_responses
from dfras.service.resources import ModelOut, Predictions, TrainRequest
from dfras.service.runtime import Runtime, dumps, job_response, json_response, runtime
from dfras.service.scopes import ScopeModel, scope_query
from dfras.store.base import Store

router = APIRouter(tags=["predictions"])

JobId = Annotated[str, Path(min_length=1, max_length=64)]
Version = Annotated[str, Path(min_length=1, max_length=80)]
TRAINING = "models/jobs"


@router.post(
    "/models",
    status_code=202,
    response_model=Job,
    responses=problem_responses(422, 503),
)
def train(
    body: TrainRequest,
    rt: Annotated[Runtime, Depends(runtime)],
    _: Annotated[Principal, Depends(require("run_models"))],
) -> Response:
    """Train a new model version in the background: 202 with a job to poll at
    ``GET /models/jobs/{job_id}``; its result is the registered version with its test metrics."""

    def work(job: Any) -> Any:
        job.stage = "training"
        with rt.gate.reading() as store:  # fit alongside other requests
            fitted = predict.fit_version(store, until=body.until, seed=body.seed)
        job.stage = "registering"
        trained = rt.write(lambda s: predict.register_trained(s, fitted))
        return json.loads(dumps(trained.to_dict()))

    return job_response(rt.jobs.submit("training", work), 202, location=TRAINING)


@router.get("/models/jobs/{job_id}", response_model=Job, responses=problem_responses(404, 422))
def training(
    job_id: JobId,
    rt: Annotated[Runtime, Depends(runtime)],
    _: Annotated[Principal, Depends(require("run_models"))],
) -> Response:
    """A training job: its status, and the new model once it succeeded."""
    return job_response(rt.jobs.get(job_id, "training"), 200, location=TRAINING)


@router.get("/models", response_model=list[ModelOut], responses=problem_responses(503))
async def list_models(
    rt: Annotated[Runtime, Depends(runtime)],
    _: Annotated[Principal, Depends(require("view_predictions"))],
) -> Response:
    """Every registered model version, newest first, with its metrics on the held-out test
    period and whether it beats the base rate."""
    return await rt.answer("models", {}, lambda s: [m.to_dict() for m in predict.list_models(s)])


@router.get(
    "/models/{version}", response_model=ModelOut, responses=problem_responses(404, 422, 503)
)
async def model(
    version: Version,
    rt: Annotated[Runtime, Depends(runtime)],
    _: Annotated[Principal, Depends(require("view_predictions"))],
) -> Response:
    """One model version (``active`` for the one predictions use)."""
    wanted = None if version == "active" else version
    return await rt.answer("model", version, lambda s: predict.show_model(s, wanted).to_dict())


def _predict(store: Store, scope: ScopeModel, top: int, min_probability: float) -> Any:
    return predict.predict_open(
        store, scope=scope.build(store), top=top, min_probability=min_probability
    ).to_dict()


@router.get("/predictions", response_model=Predictions, responses=problem_responses(400, 422, 503))
def predictions(
    scope: Annotated[ScopeModel, Depends(scope_query)],
    rt: Annotated[Runtime, Depends(runtime)],
    _: Annotated[Principal, Depends(require("view_predictions"))],
    top: Annotated[int, Query(ge=1, le=1000)] = 20,
    min_probability: Annotated[float, Query(ge=0, le=1)] = 0.0,
) -> Response:
    """The open orders of the scope most likely to fail under the active model, with each
    one's top factors (400 when no model is trained). Scoring stores every open order's risk
    (``order_predictions``), so this runs as a write."""
    return json_response(dumps(rt.write(lambda s: _predict(s, scope, top, min_probability))))
