"""Errors on dashboard pages render as pages (with the message and its hint); the API keeps
its problem documents."""

from __future__ import annotations

import inspect
from typing import Any, cast

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from dfras.domain.errors import DfrasError
from dfras.web.templating import render

_API_PREFIXES = ("/api/", "/openapi.json", "/docs", "/redoc", "/assets/", "/static/")


def is_page(request: Request) -> bool:
    return not request.url.path.startswith(_API_PREFIXES)


def status_of(exc: DfrasError) -> int:
    """404 for a missing thing, 401/403/429 for authentication, permission and rate limits,
    422 for refused data, 400 for any other user error."""
    http_status = getattr(exc, "http_status", None)
    if isinstance(http_status, int) and http_status in (401, 403, 429):
        return http_status
    if type(exc).__name__ == "NotFound":
        return 404
    return 422 if exc.exit_code == 2 else 400


def error_page(request: Request, status: int, title: str, message: str, hint: Any) -> Response:
    return render(
        request,
        "error.html",
        {"title": title, "message": message, "hint": hint, "status": status},
        status=status,
    )


async def _delegate(handler: Any, request: Request, exc: Exception) -> Response:
    """Call the API's own handler (sync or async)."""
    if handler is None:
        raise exc
    result = handler(request, exc)
    if inspect.isawaitable(result):
        result = await result
    return cast(Response, result)


def install(app: FastAPI) -> None:
    """Wrap the app's handlers: pages get an HTML error page, everything else is unchanged."""
    api_http = app.exception_handlers.get(StarletteHTTPException)
    api_dfras = app.exception_handlers.get(DfrasError)
    api_invalid = app.exception_handlers.get(RequestValidationError)

    async def _http(request: Request, exc: Exception) -> Response:
        if is_page(request) and isinstance(exc, StarletteHTTPException):
            title = "Page not found" if exc.status_code == 404 else "Request failed"
            return error_page(request, exc.status_code, title, str(exc.detail), None)
        return await _delegate(api_http, request, exc)

    async def _dfras(request: Request, exc: Exception) -> Response:
        if is_page(request) and isinstance(exc, DfrasError):
            status = status_of(exc)
            if status == 401 and getattr(request.app.state, "auth", None) is not None:
                from dfras.web.pages.login import login_redirect

                return login_redirect(request)
            title = {404: "Not found", 401: "Please log in", 403: "Not allowed"}.get(
                status, "Cannot answer that"
            )
            return error_page(request, status, title, exc.message, exc.hint)
        return await _delegate(api_dfras, request, exc)

    async def _invalid(request: Request, exc: Exception) -> Response:
        if is_page(request) and isinstance(exc, RequestValidationError):
            detail = "; ".join(
                f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}"
                for e in exc.errors()
            )
            return error_page(request, 422, "Invalid request", detail, None)
        return await _delegate(api_invalid, request, exc)

    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(DfrasError, _dfras)
    app.add_exception_handler(RequestValidationError, _invalid)
