"""The charting library, served from the installed ``plotly`` package (no CDN, no copy).

The 4.8 MB bundle is compressed once per process and served with a long cache lifetime under
a versioned URL, so a page after the first one pays nothing for it.
"""

from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Request, Response

router = APIRouter(include_in_schema=False)

CACHE = "public, max-age=31536000, immutable"


@lru_cache(maxsize=1)
def plotly_bundle() -> tuple[str, bytes, bytes]:
    """(version, raw bytes, gzip bytes) of plotly.min.js from the installed package."""
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    raw = path.read_bytes()
    return plotly.__version__, raw, gzip.compress(raw, compresslevel=6)


def plotly_url() -> str:
    """The versioned URL pages use, so a new plotly release is never served from a stale cache."""
    import plotly

    return f"/assets/plotly-{plotly.__version__}.min.js"


@router.get("/assets/plotly-{version}.min.js")
def plotly_js(version: str, request: Request) -> Response:
    current, raw, packed = plotly_bundle()
    headers = {"Cache-Control": CACHE if version == current else "no-cache"}
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        headers["Vary"] = "Accept-Encoding"
        return Response(packed, media_type="text/javascript", headers=headers)
    return Response(raw, media_type="text/javascript", headers=headers)
