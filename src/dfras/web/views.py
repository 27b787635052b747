"""Shaping service results for templates: segment labels, chart-ready findings, drill links.

No analysis happens here; it only names things for people (via the narrative module's own
wording) and decides what each page shows.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from fastapi import Request

from dfras.analysis.narrative import describe_conditions
from dfras.store.base import Store


def segment_label(segment: dict[str, Any]) -> str:
    """A finding in words: its conditions, its window, and for per-cause findings the cause."""
    text = describe_conditions(segment.get("conditions") or {}, segment.get("window"))
    if segment.get("kind") == "cause" and segment.get("cause"):
        text = f"{text}: {segment['cause']}"
    return text[:1].upper() + text[1:] if text else "All orders"


def labelled(segments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**s, "label": segment_label(s)} for s in segments]


_FLIGHTS: dict[str, threading.Lock] = {}
_FLIGHTS_LOCK = threading.Lock()


def cached(request: Request, kind: str, params: Any, work: Callable[[Store], Any]) -> Any:
    """The answer of ``work`` from the server's cache (keyed by the store's data version, the
    same cache the API uses), computed on a read cursor when it is not there yet; so going back
    to a page does not rerun a multi-second analysis on unchanged data. Identical requests
    that arrive while the answer is being computed wait for it instead of computing it again
    (a page reloaded during a one-minute explanation must not start a second one)."""
    from dfras.service.runtime import REQUEST_SCOPES

    rt = request.app.state.runtime
    user = REQUEST_SCOPES.get()
    if user:  # a narrowed answer is keyed apart from everyone else's
        params = {"params": params, "user_scopes": sorted(user.items())}
    body = rt.lookup(kind, params)
    if body is not None:
        return json.loads(body)
    key = json.dumps([kind, params], sort_keys=True, default=str)
    with _FLIGHTS_LOCK:
        flight = _FLIGHTS.setdefault(key, threading.Lock())
    with flight:
        body = rt.lookup(kind, params)
        if body is None:
            body = rt.compute(kind, params, work)
    with _FLIGHTS_LOCK:
        if not flight.locked():
            _FLIGHTS.pop(key, None)
    return json.loads(body)
