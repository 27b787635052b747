"""Webhook signatures: HMAC-SHA256 over the timestamp and the exact body bytes.

Header ``X-DFRAS-Signature: t=<unix seconds>,v1=<hex>`` where ``hex`` is
``HMAC_SHA256(secret, f"{t}." + body)``. A receiver recomputes it over the raw body it got,
compares in constant time, and refuses a timestamp more than ``tolerance`` seconds from its
own clock (a replay window); docs/alerts.md has the recipe. Each delivery attempt is signed
afresh, so a retry carries a fresh timestamp over the same body.

Example:
    >>> header = signature_header(b'{"a":1}', "s3cret", timestamp=1700000000)
    >>> verify_signature(header, b'{"a":1}', "s3cret", now=1700000010)
    True
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "X-DFRAS-Signature"
#: Seconds a receiver should accept between the signed timestamp and its own clock.
DEFAULT_TOLERANCE = 300


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(body: bytes, secret: str, *, timestamp: int | None = None) -> str:
    """The ``X-DFRAS-Signature`` value for ``body`` signed now (or at ``timestamp``)."""
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},v1={_digest(secret, t, body)}"


def verify_signature(
    header: str,
    body: bytes,
    secret: str,
    *,
    now: float | None = None,
    tolerance: int = DEFAULT_TOLERANCE,
) -> bool:
    """Whether ``header`` is a valid signature of ``body`` within the replay window."""
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if sep:
            parts.setdefault(key, []).append(value)
    try:
        t = int(parts["t"][0])
    except (KeyError, ValueError):
        return False
    clock = time.time() if now is None else now
    if abs(clock - t) > tolerance:
        return False
    expected = _digest(secret, t, body)
    return any(hmac.compare_digest(expected, v) for v in parts.get("v1", []))
