"""The web dashboard, served by the same app as the API, with every asset bundled.

Server-rendered pages (Jinja2 templates in ``templates/``, routes in ``pages/``) call the same
core services as the CLI and the API; ``static/`` holds the dashboard's own CSS and JavaScript,
and the charting library (plotly.js) is served from the installed ``plotly`` package, so the
dashboard works offline and nothing third-party is copied into the repository.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"


def mount(app: FastAPI) -> None:
    """Add the dashboard's pages and bundled assets to ``app``."""
    from dfras.web import assets, errors
    from dfras.web.pages import ROUTERS

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(assets.router)
    for router in ROUTERS:
        app.include_router(router, include_in_schema=False)
    errors.install(app)
