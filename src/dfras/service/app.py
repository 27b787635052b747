"""The application factory: API routes, problem details, metrics, logs and the dashboard."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import Response

from dfras import __version__
from dfras.service import problems
from dfras.service.observe import ObserveMiddleware, configure_logging
from dfras.service.runtime import Runtime
from dfras.store.open import default_location

API_PREFIX = "/api/v1"
log = logging.getLogger("dfras.service")

#: Seconds between looks for due report schedules (0 turns the ticker off).
SCHEDULE_TICK = float(os.environ.get("DFRAS_SCHEDULE_TICK", "60"))


def create_app(store_location: str | None = None) -> FastAPI:
    """A DFRAS app serving the store at ``store_location`` (default: ``DFRAS_DB`` or ./dfras.duckdb)."""
    location = store_location or default_location()
    runtime = Runtime(location)
    stop = threading.Event()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        ticker = None
        # open the store now (derived tables brought current) rather than on the first request
        threading.Thread(target=_warm, args=(runtime,), name="dfras-open", daemon=True).start()
        # scheduled reports are per tenant on PostgreSQL: not run by this ticker there yet
        if SCHEDULE_TICK > 0 and not runtime.postgres:
            ticker = threading.Thread(
                target=_tick_schedules, args=(runtime, stop), name="dfras-schedules", daemon=True
            )
            ticker.start()
        yield
        stop.set()
        runtime.close()

    app = FastAPI(
        title="DFRAS",
        version=__version__,
        description="Why deliveries fail or run late: explanations, causes, patterns, predictions. "
        "Errors are RFC 9457 problem details; every response carries X-Request-ID.",
        openapi_url="/openapi.json",
        docs_url="/docs",
        lifespan=lifespan,
    )
    app.state.store_location = location
    app.state.runtime = runtime
    from dfras.service.authn import AuthContext, auth_required

    app.state.auth = AuthContext(runtime) if auth_required(location) else None
    configure_logging()
    problems.install(app)
    if app.state.auth is not None:
        _install_audit(app)
    app.add_middleware(ObserveMiddleware)
    from dfras.service.routes import ROUTERS

    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX)

    @app.get("/metrics", include_in_schema=False)
    def metrics_endpoint() -> Response:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        from dfras.service.metrics import JOBS, REGISTRY

        JOBS.set(runtime.jobs.running())
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    _document_problem(app)
    from dfras import web

    web.mount(app)
    return app


def _install_audit(app: FastAPI) -> None:
    """Record every write (any method but GET/HEAD/OPTIONS) and every read of personal data
    in the tenant's append-only audit log: who, tenant, when, what, from where."""
    from fastapi import Request
    from fastapi.concurrency import run_in_threadpool

    from dfras.audit import log as audit

    def record(principal: Any, event: audit.AuditEvent) -> None:
        try:
            with app.state.auth.store_for(principal.tenant_id) as store:
                audit.record(store, principal, event)
        except Exception:  # the answer is given; a failed record is an operator alarm
            log.exception("audit record failed")

    @app.middleware("http")
    async def audit_trail(request: Request, call_next: Any) -> Any:
        response = await call_next(request)
        principal = getattr(request.state, "principal", None)
        if principal is None:
            return response
        write = request.method not in ("GET", "HEAD", "OPTIONS")
        pii = getattr(request.state, "pii_read", None)
        if write or (pii and response.status_code < 400):
            path = request.url.path
            event = audit.AuditEvent(
                action="write" if write else "read_pii",
                resource=pii if pii and not write else path.removeprefix(API_PREFIX + "/"),
                method=request.method,
                path=path,
                status=response.status_code,
                address=request.client.host if request.client else None,
                request_id=response.headers.get("x-request-id"),
            )
            await run_in_threadpool(record, principal, event)
        return response


def _document_problem(app: FastAPI) -> None:
    """Put the Problem schema into the OpenAPI components the routes refer to."""
    from fastapi.openapi.utils import get_openapi

    def openapi() -> dict[str, object]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = problems.Problem.model_json_schema()
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _warm(runtime: Runtime) -> None:
    try:
        runtime.gate.check()
    except Exception:  # readiness reports it; requests retry the open
        log.exception("could not open the store at start-up")


def _tick_schedules(runtime: Runtime, stop: threading.Event) -> None:
    """Generate due scheduled reports and send them over their channels (the reports folder
    when they name none), every SCHEDULE_TICK seconds."""
    from dfras.reports import schedule
    from dfras.reports.delivery import ChannelDelivery

    folder = Path(
        os.environ.get("DFRAS_REPORTS_DIR") or (Path(runtime.location).resolve().parent / "reports")
    )
    while not stop.wait(SCHEDULE_TICK):
        try:
            with runtime.gate.reading() as store:
                due = any(s.is_due_now() for s in schedule.list_schedules(store))
            if due:
                sent = runtime.write(
                    lambda s: schedule.run_due(s, ChannelDelivery.from_store(s, folder))
                )
                log.info("scheduled reports sent", extra={"fields": {"sent": sent}})
        except Exception:  # a failed tick is logged; the next one tries again
            log.exception("scheduled reports failed")
