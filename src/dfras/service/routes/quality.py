"""The data quality report of the store."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from dfras.auth.roles import Permission
from dfras.quality.report import build_report
from dfras.service.models import JsonObject
from dfras.service.principal import Principal, require
from dfras.service.problems import problem_responses
from dfras.service.runtime import Runtime, runtime

router = APIRouter(tags=["quality"])


@router.get("/quality", response_model=JsonObject, responses=problem_responses(503))
async def quality(
    rt: Annotated[Runtime, Depends(runtime)],
    _: Annotated[Principal, Depends(require(Permission.VIEW_ANALYTICS.value))],
) -> Response:
    """Per-domain quality scores, broken rules with examples, coverage and findings."""
    return await rt.answer("quality", {}, lambda s: build_report(s).to_dict())
