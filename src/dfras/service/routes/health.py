"""Liveness and readiness."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from dfras import __version__
from dfras.service.models import Health, Ready
from dfras.service.problems import problem_responses
from dfras.service.runtime import Runtime, runtime

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
async def health() -> Health:
    """Liveness: the process answers (does not touch the store)."""
    return Health(status="ok", version=__version__)


@router.get("/ready", response_model=Ready, responses=problem_responses(503))
def ready(rt: Annotated[Runtime, Depends(runtime)]) -> Ready:
    """Readiness: the store opens and its derived tables are current (503 while another
    process holds it for longer than a request waits)."""
    state = rt.gate.check()
    return Ready(status="ready", store=state["store"], data_version=state["data_version"])
