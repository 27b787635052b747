"""Authentication and authorisation failures, each with the HTTP status the API answers with."""

from __future__ import annotations

from dfras.domain.errors import DfrasError


class AuthenticationFailed(DfrasError):
    """The credentials are missing, malformed, forged, expired or revoked (HTTP 401)."""

    http_status = 401


class PermissionDenied(DfrasError):
    """The caller is known but her role does not allow this (HTTP 403)."""

    http_status = 403


class TooManyAttempts(DfrasError):
    """Throttled: too many failed logins or requests in the window (HTTP 429)."""

    http_status = 429

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message, hint=f"try again in {int(retry_after) + 1} s")
        self.retry_after = retry_after
