"""Request ids, structured JSON logs, Prometheus metrics and request size limits, as one
ASGI middleware (a plain ASGI layer: cheaper per request than Starlette's BaseHTTPMiddleware).

Every request gets an id: the caller's ``X-Request-ID`` when it is a plausible id, else a new
one; it is echoed in the response header, written on every log line of the request and put in
problem details, so a user's report can be matched to the log.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import os
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dfras.service import metrics

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


#: Largest request body for JSON endpoints, and for uploads (imports), in bytes.
def max_body_bytes() -> int:
    return int(os.environ.get("DFRAS_MAX_BODY_BYTES", str(1 << 20)))


def max_upload_bytes() -> int:
    return int(os.environ.get("DFRAS_MAX_UPLOAD_BYTES", str(2 << 30)))


UPLOAD_PATHS = ("/api/v1/imports",)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = REQUEST_ID.get()
        if rid:
            entry["request_id"] = rid
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str | None = None) -> None:
    """JSON lines on stderr for the ``dfras`` loggers (level from ``DFRAS_LOG_LEVEL``)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("dfras")
    root.handlers[:] = [handler]
    root.setLevel((level or os.environ.get("DFRAS_LOG_LEVEL", "INFO")).upper())
    root.propagate = False


log = logging.getLogger("dfras.http")


def _too_large(limit: int, rid: str) -> list[Message]:
    body = json.dumps(
        {
            "type": "about:blank",
            "title": "Request too large",
            "status": 413,
            "detail": f"the request body is larger than the limit of {limit:,} bytes",
            "hint": "send a smaller body; for imports split the files or raise "
            "DFRAS_MAX_UPLOAD_BYTES on the server",
            "request_id": rid,
        }
    ).encode()
    return [
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-request-id", rid.encode()),
            ],
        },
        {"type": "http.response.body", "body": body},
    ]


class _BodyTooLarge(Exception):
    pass


class ObserveMiddleware:
    """Request id, access log, metrics and body limits around every HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        rid = _request_id(scope)
        token = REQUEST_ID.set(rid)
        path: str = scope["path"]
        limit = max_upload_bytes() if path.startswith(UPLOAD_PATHS) else max_body_bytes()
        status = 500
        try:
            length = _content_length(scope)
            if length is not None and length > limit:
                status = 413
                for message in _too_large(limit, rid):
                    await send(message)
                return
            received = 0
            exceeded = False

            async def limited_receive() -> Message:
                nonlocal received, exceeded
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > limit:
                        exceeded = True
                        raise _BodyTooLarge
                return message

            async def send_with_id(message: Message) -> None:
                nonlocal status
                if exceeded:
                    return  # the app's answer to a cut-off body is replaced by the 413
                if message["type"] == "http.response.start":
                    status = message["status"]
                    headers = list(message.get("headers", []))
                    headers.append((b"x-request-id", rid.encode()))
                    message = {**message, "headers": headers}
                await send(message)

            with contextlib.suppress(_BodyTooLarge):
                await self.app(scope, limited_receive, send_with_id)
            if exceeded:
                status = 413
                for message in _too_large(limit, rid):
                    await send(message)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            metrics.REQUESTS.labels(scope["method"], route, str(status)).inc()
            metrics.LATENCY.labels(route).observe(elapsed)
            if log.isEnabledFor(logging.INFO):
                log.info(
                    "request",
                    extra={
                        "fields": {
                            "method": scope["method"],
                            "path": path,
                            "route": route,
                            "status": status,
                            "ms": round(elapsed * 1000, 2),
                        }
                    },
                )
            REQUEST_ID.reset(token)


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            if _VALID_ID.match(text):
                return text
    return uuid.uuid4().hex


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _route_template(scope: Scope) -> str:
    """The matched route's path template (bounded label values), else 'unmatched'."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if not path:
        return "unmatched"
    prefix = "/api/v1"
    return (
        path if path.startswith(prefix) or not scope["path"].startswith(prefix) else prefix + path
    )
