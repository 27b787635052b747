"""Reports: the report of a selection as HTML, PDF or Excel (:func:`dfras.reports.service.render`,
the same file ``dfras report`` writes), and the report schedules the server sends."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from dfras.analysis.explain import default_as_of
from dfras.auth.roles import Permission
from dfras.reports import schedule as schedules
from dfras.reports.service import FORMATS
from dfras.reports.service import render as render_report
from dfras.service.principal import require
from dfras.web.scope_params import PERIODS, ScopeParams
from dfras.web.store import reading
from dfras.web.templating import render

router = APIRouter()
FORMAT_LABELS = (("pdf", "PDF"), ("xlsx", "Excel"), ("html", "HTML"))
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@router.get(
    "/reports",
    dependencies=[Depends(require(Permission.EXPORT.value))],
    response_class=HTMLResponse,
)
def reports_page(request: Request) -> HTMLResponse:
    sp = ScopeParams.read(request.query_params)
    with reading(request) as store:
        as_of = default_as_of(store)
        found = schedules.list_schedules(store)
    return render(
        request,
        "reports.html",
        {
            "title": "Reports",
            "sp": sp,
            "as_of": as_of,
            "periods": PERIODS,
            "formats": FORMAT_LABELS,
            "schedules": [s.to_dict() for s in found],
            "weekdays": WEEKDAYS,
        },
    )


@router.get("/reports/file", dependencies=[Depends(require(Permission.EXPORT.value))])
def report_file(request: Request, format: str = "pdf", title: str = "") -> Response:
    """The report itself, as a download named after its selection and format."""
    sp = ScopeParams.read(request.query_params)
    with reading(request) as store:
        scope = sp.scope(default_as_of(store))
        body = render_report(store, scope, format, title=title.strip() or None)
    stem = re.sub(r"[^A-Za-z0-9]+", "-", scope.describe()).strip("-").lower()[:60] or "all-orders"
    disposition = "inline" if format == "html" else "attachment"
    headers: dict[str, Any] = {
        "Content-Disposition": f'{disposition}; filename="dfras-report-{stem}.{format}"'
    }
    return Response(body, media_type=FORMATS[format], headers=headers)
