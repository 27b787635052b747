"""Reports (HTML, PDF, Excel) of a scope, and the schedules that send them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response

from dfras.auth.roles import Permission
from dfras.reports import schedule as schedules
from dfras.reports.service import FORMATS, render
from dfras.service.models import ReportRequest, Schedule, ScheduleOut
from dfras.service.principal import Principal, require
from dfras.service.problems import problem_responses
from dfras.service.runtime import Runtime, dumps, json_response, runtime
from dfras.store.base import Store

router = APIRouter(tags=["reports"])

ScheduleName = Annotated[str, Path(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9 _.-]+$")]


@router.post(
    "/reports",
    response_class=Response,
    responses={
        200: {
            "description": "The report file",
            "content": {
                t: {"schema": {"type": "string", "format": "binary"}} for t in FORMATS.values()
            },
        },
        **problem_responses(400, 422, 503),
    },
)
def report(
    body: ReportRequest,
    rt: Annotated[Runtime, Depends(runtime)],
    _: Annotated[Principal, Depends(require(Permission.EXPORT.value))],
) -> Response:
    """The report of the scope as a file: summary, key figures, causes with charts,
    recommendations and appendix tables (html, pdf or xlsx)."""
    params = body.model_dump(mode="json")
    data = rt.lookup("report", params)
    if data is None:
        data = rt.compute_bytes(
            "report", params, lambda s: render(s, body.scope.build(s), body.format)
        )
    return Response(
        data,
        media_type=FORMATS[body.format],
        headers={"Content-Disposition": f'attachment; filename="dfras-report.{body.format}"'},
    )


def _schedule_dicts(store: Store) -> list[dict[str, Any]]:
    return [s.to_dict() for s in schedules.list_schedules(store)]


@router.get(
    "/reports/schedules", response_model=list[ScheduleOut], responses=problem_responses(503)
)
async def list_schedules(
    rt: Annotated[Runtime, Depends(runtime)],
    _: Annotated[Principal, Depends(require(Permission.EXPORT.value))],
) -> Response:
    """Every report schedule (daily or weekly) and when it last ran."""
    return await rt.answer("schedules", {}, _schedule_dicts)


@router.put(
    "/reports/schedules/{name}",
    response_model=ScheduleOut,
    responses=problem_responses(400, 422, 503),
)
def put_schedule(
    name: ScheduleName,
    body: Schedule,
    rt: Annotated[Runtime, Depends(runtime)],
    _: Annotated[Principal, Depends(require(Permission.EXPORT.value))],
) -> Response:
    """Create or replace the schedule ``name`` (the body's name must match)."""
    from dfras.domain.errors import UserError

    if body.name != name:
        raise UserError(
            f"the body names schedule {body.name!r}, the path {name!r}",
            hint="use the same name in both",
        )
    saved = rt.write(
        lambda s: schedules.save(
            s,
            schedules.Schedule(
                name=body.name,
                frequency=body.frequency,
                weekday=body.weekday,
                hour=body.hour,
                format=body.format,
                scope=body.scope.key(),
                channels=list(body.channels),
            ),
        )
    )
    return json_response(dumps(saved.to_dict()))


@router.delete(
    "/reports/schedules/{name}", status_code=204, responses=problem_responses(404, 422, 503)
)
def delete_schedule(
    name: ScheduleName,
    rt: Annotated[Runtime, Depends(runtime)],
    _: Annotated[Principal, Depends(require(Permission.EXPORT.value))],
) -> Response:
    """Remove the schedule ``name``."""
    rt.write(lambda s: schedules.remove(s, name))
    return Response(status_code=204)
