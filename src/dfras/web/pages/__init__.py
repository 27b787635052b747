"""The dashboard's page routes, one module per page; each calls core services only."""

from __future__ import annotations

from fastapi import APIRouter

from dfras.web.pages import (
    ask,
    compare,
    explore,
    login,
    orders,
    overview,
    patterns,
    quality,
    reports,
    simulate,
)

ROUTERS: list[APIRouter] = [
    login.router,
    overview.router,
    explore.router,
    ask.router,
    orders.router,
    compare.router,
    patterns.router,
    simulate.router,
    quality.router,
    reports.router,
]
