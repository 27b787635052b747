"""What-if simulations (Monte Carlo, seeded, in the background), stored scenarios, backtests."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response

from dfras.service.models import Job
from dfras.service.principal import Principal, require
from dfras.service.problems import problem_responses
from dfras.service.resources import (
    BacktestRequest,
    SimulationOut,
    SimulationRequest,
    SimulationSummary,
)
from dfras.service.runtime import Runtime, dumps, job_response, runtime
from dfras.simulate import storage
from dfras.simulate.backtest import backtest
from dfras.simulate.scenarios import build_scenario
from dfras.simulate.service import simulate

router = APIRouter(tags=["simulations"])

JobId = Annotated[str, Path(min_length=1, max_length=64)]
ScenarioId = Annotated[str, Path(min_length=1, max_length=64)]
JOBS = "simulations/jobs"
Runner = Annotated[Principal, Depends(require("run_models"))]
Viewer = Annotated[Principal, Depends(require("view_predictions"))]


def _plain(value: Any) -> Any:
    return json.loads(dumps(value))


@router.post(
    "/simulations", status_code=202, response_model=Job, responses=problem_responses(422, 503)
)
def start_simulation(
    body: SimulationRequest, rt: Annotated[Runtime, Depends(runtime)], _: Runner
) -> Response:
    """Simulate the scenario against today's operations in the background: 202 with a job to
    poll at ``GET /simulations/jobs/{job_id}``; the result is stored (``GET /simulations``)."""
    scenario = build_scenario(body.type, body.parameters)

    def work(job: Any) -> Any:
        job.stage = "simulating"
        with rt.gate.reading() as store:  # simulate alongside other requests, then store it
            sim = simulate(
                store,
                scenario,
                runs=body.runs,
                seed=body.seed,
                start=body.start,
                days=body.days,
                save=False,
            )
        job.stage = "saving"
        rt.write(lambda s: storage.save_simulation(s, sim))
        return _plain(sim.to_dict())

    return job_response(rt.jobs.submit("simulation", work), 202, location=JOBS)


@router.post(
    "/simulations/backtest",
    status_code=202,
    response_model=Job,
    responses=problem_responses(422, 503),
)
def start_backtest(
    body: BacktestRequest, rt: Annotated[Runtime, Depends(runtime)], _: Runner
) -> Response:
    """Fit on the orders before ``until``, simulate the next month(s) and count how often the
    90% intervals held what happened (per city and statistic), in the background."""

    def work(job: Any) -> Any:
        job.stage = "backtesting"
        with rt.gate.reading() as store:
            result = backtest(
                store, until=body.until, months=body.months, runs=body.runs, seed=body.seed
            )
        return _plain(result.to_dict())

    return job_response(rt.jobs.submit("backtest", work), 202, location=JOBS)


@router.get("/simulations/jobs/{job_id}", response_model=Job, responses=problem_responses(404, 422))
def simulation_job(job_id: JobId, rt: Annotated[Runtime, Depends(runtime)], _: Runner) -> Response:
    """A simulation or backtest job: its status, and the result once it succeeded."""
    job = rt.jobs.get(job_id)
    if job.kind not in ("simulation", "backtest"):
        rt.jobs.get(job_id, "simulation")  # the not-found error, worded for this resource
    return job_response(job, 200, location=JOBS)


@router.get(
    "/simulations", response_model=list[SimulationSummary], responses=problem_responses(503)
)
async def list_simulations(rt: Annotated[Runtime, Depends(runtime)], _: Viewer) -> Response:
    """Stored simulations, newest first."""
    return await rt.answer("simulations", {}, storage.list_simulations)


@router.get(
    "/simulations/{scenario_id}",
    response_model=SimulationOut,
    responses=problem_responses(404, 422, 503),
)
async def stored_simulation(
    scenario_id: ScenarioId, rt: Annotated[Runtime, Depends(runtime)], _: Viewer
) -> Response:
    """One stored simulation's whole result, as it was when it ran."""
    return await rt.answer(
        "simulation", scenario_id, lambda s: storage.get_simulation(s, scenario_id)
    )
