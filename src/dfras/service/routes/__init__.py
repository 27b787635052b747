"""One router per resource; each is thin: parse, call a core service, answer.

:data:`ROUTERS` lists them in the order they appear in the OpenAPI document. Every route names the
permission it needs with ``Depends(require(...))``.
"""

from __future__ import annotations

from fastapi import APIRouter

from dfras.service.routes import (
    alerts,
    analysis,
    auth,
    causes,
    health,
    imports,
    orders,
    overview,
    patterns,
    predictions,
    quality,
    reports,
    simulations,
)

ROUTERS: list[APIRouter] = [
    health.router,
    auth.router,
    imports.router,
    quality.router,
    overview.router,
    orders.router,
    causes.router,
    analysis.router,
    reports.router,
    patterns.router,
    alerts.router,
    predictions.router,
    simulations.router,
]
