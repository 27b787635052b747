"""Templates, their number formats, the navigation, and rendering a page.

Numbers are formatted once here (rates as percentages with one decimal, money in rupees,
counts with thousands separators) so every page reads the same; a missing rate prints as a
dash, never as 0.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from dfras import __version__
from dfras.web.assets import plotly_url

TEMPLATES = Path(__file__).parent / "templates"

#: The navigation, in order: (path, label).
NAV: list[tuple[str, str]] = [
    ("/", "Overview"),
    ("/explore", "Explore"),
    ("/ask", "Ask"),
    ("/orders", "Orders"),
    ("/compare", "Compare"),
    ("/patterns", "Patterns & alerts"),
    ("/simulate", "Simulate"),
    ("/quality", "Data quality"),
    ("/reports", "Reports"),
]

#: The permission a navigation entry's page needs (its route's own ``require``).
NAV_PERMISSION: dict[str, str] = {
    "/orders": "view_orders",
    "/simulate": "view_predictions",
    "/reports": "export",
}


def pct(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    return f"{float(value) * 100:.{digits}f}%"


def num(value: Any, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{float(value):,.{digits}f}"


def money(value: Any) -> str:
    if value is None:
        return "–"
    v = float(value)
    if abs(v) >= 1e7:
        return f"₹{v / 1e7:,.2f} Cr"
    if abs(v) >= 1e5:
        return f"₹{v / 1e5:,.2f} L"
    return f"₹{v:,.0f}"


def when(value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        if len(value) <= 10:  # a date without a time
            return parsed.date().isoformat()
        value = parsed
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def sci(value: Any) -> str:
    """A p- or q-value: three significant digits, scientific below 0.001."""
    if value is None:
        return "–"
    v = float(value)
    return f"{v:.2e}" if 0 < v < 0.001 else f"{v:.3f}"


def tojson_script(value: Any) -> Markup:
    """JSON safe to embed in a ``<script type="application/json">`` block."""
    text = json.dumps(value, default=str).replace("<", "\\u003c").replace(">", "\\u003e")
    return Markup(text.replace("&", "\\u0026"))


templates = Jinja2Templates(directory=str(TEMPLATES))
templates.env.filters.update(pct=pct, num=num, money=money, when=when, sci=sci)
templates.env.filters["chartjson"] = tojson_script
templates.env.globals.update(version=__version__, plotly_url=plotly_url, nav=NAV)


def render(
    request: Request, name: str, context: dict[str, Any], *, status: int = 200
) -> HTMLResponse:
    """Render ``name`` with the page context: the current path and the caller's navigation
    (the pages her role may open) and, when the service authenticates, who is logged in."""
    principal = getattr(request.state, "principal", None)
    auth_on = getattr(request.app.state, "auth", None) is not None
    signed_in = principal is not None and auth_on
    nav = [
        (href, label)
        for href, label in NAV
        if (principal.can(NAV_PERMISSION.get(href, "view_analytics")) if principal else not auth_on)
    ]
    base = {"path": request.url.path, "nav": nav, "user": principal if signed_in else None}
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status)
