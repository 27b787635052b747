"""Errors as RFC 9457 problem details, each with a message a user can act on.

Every problem carries the request id (also in the ``X-Request-ID`` header), so a report of a
failure can be matched to the server log. Status codes: 400 a request that cannot be served as
asked, 404 unknown order/job, 413 body too large, 422 malformed parameters or a refused file,
503 the store is busy in another process (with ``Retry-After``), 500 a fault of ours.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from dfras.domain.errors import DfrasError, NotFound

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("dfras.http")


class Problem(BaseModel):
    """An RFC 9457 problem: what went wrong and what to do about it."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    hint: str | None = None
    request_id: str | None = None


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the problems a route can answer with."""
    schema = {"$ref": "#/components/schemas/Problem"}
    return {
        s: {"description": _title(s), "content": {PROBLEM_JSON: {"schema": schema}}}
        for s in statuses
    }


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem-details response."""
    from dfras.service.observe import REQUEST_ID

    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    body.setdefault("request_id", REQUEST_ID.get())
    if headers is None and status == 503:
        headers = {"Retry-After": "5"}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def install(app: FastAPI) -> None:
    """Route DFRAS, HTTP, validation and unexpected errors through problem details."""
    from dfras.service.gate import StoreBusy

    @app.exception_handler(DfrasError)
    async def _dfras(_: Request, exc: DfrasError) -> JSONResponse:
        if isinstance(exc, NotFound):
            return problem(404, "Not found", exc.message, hint=exc.hint)
        if isinstance(exc, StoreBusy):
            return problem(503, "Store busy", exc.message, hint=exc.hint)
        status = getattr(exc, "http_status", None)
        if isinstance(status, int):  # authentication (401), permission (403), throttling (429)
            retry = getattr(exc, "retry_after", None)
            headers = {"Retry-After": str(int(retry) + 1)} if retry is not None else None
            if status == 401:
                headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
            return problem(status, _title(status), exc.message, hint=exc.hint, headers=headers)
        status = 422 if exc.exit_code == 2 else 400
        return problem(status, "Request cannot be served", exc.message, hint=exc.hint)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(exc.status_code, _title(exc.status_code), str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem(
            422,
            "Invalid request",
            detail,
            hint="fix the named fields (see /docs for each parameter)",
            errors=errors,
        )

    @app.exception_handler(Exception)
    async def _fault(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(
            500,
            "Internal error",
            "the server failed to answer this request; this is a fault in DFRAS, not in "
            "your request",
            hint="report it with the request id; the server log has the details",
        )


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
