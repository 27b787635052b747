"""Authentication of API and page requests, when the service is multi-tenant.

On PostgreSQL (or with ``DFRAS_AUTH=required``) every request must carry ``Authorization:
Bearer <access token>`` (from ``/api/v1/auth/login``), an ``X-API-Key``, or the dashboard's
``dfras_access`` cookie holding an access token. The principal's tenant then decides which
tenant's store the request may open (:data:`dfras.service.runtime.REQUEST_TENANT`). Every
authenticated request counts against its user's (or key's) sliding window: over the limit the
answer is 429 with ``Retry-After``. On a DuckDB store without ``DFRAS_AUTH=required`` the
single local team is one all-powerful principal, as before.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dfras.auth import tokens
from dfras.auth.errors import AuthenticationFailed, TooManyAttempts
from dfras.auth.ratelimit import SlidingWindow, default_window
from dfras.auth.secrets import load_secret
from dfras.auth.service import AuthService, TokenPair
from dfras.service.principal import Principal
from dfras.store.base import Store

#: Requests per user or API key per window (``DFRAS_RATE_LIMIT``, ``DFRAS_RATE_WINDOW`` s).
DEFAULT_LIMIT = 600
DEFAULT_WINDOW = 60.0
COOKIE = "dfras_access"


def auth_required(location: str) -> bool:
    """Whether requests must authenticate: always on PostgreSQL, or when asked to."""
    from dfras.store.open import is_postgres_url

    mode = os.environ.get("DFRAS_AUTH", "").strip().lower()
    if mode == "required":
        return True
    return is_postgres_url(location)


class AuthContext:
    """The service's signing key, rate-limit window, and a way to the auth tables."""

    def __init__(self, runtime: Any, window: SlidingWindow | None = None) -> None:
        self.runtime = runtime
        self.access = tokens.AccessTokens(
            load_secret("jwt_secret"), ttl=int(os.environ.get("DFRAS_ACCESS_TTL", "900"))
        )
        self.window = window or default_window()
        self.limit = int(os.environ.get("DFRAS_RATE_LIMIT", str(DEFAULT_LIMIT)))
        self.period = float(os.environ.get("DFRAS_RATE_WINDOW", str(DEFAULT_WINDOW)))

    @contextmanager
    def store_for(self, tenant: str) -> Iterator[Store]:
        """The auth tables as ``tenant`` sees them (PostgreSQL: RLS narrowed to it)."""
        if self.runtime.postgres:
            from dfras.store.postgres import PostgresStore

            store = PostgresStore(self.runtime.location, tenant=tenant, check_tenant=False)
            try:
                yield store
            finally:
                store.close()
        else:
            with self.runtime.gate.reading() as store:
                yield store

    @contextmanager
    def service(self, tenant: str) -> Iterator[AuthService]:
        with self.store_for(tenant) as store:
            yield AuthService(store, self.access, self.window)

    def authenticate(self, headers: Any, cookies: Any) -> tuple[Principal, str]:
        """The principal of a request's credentials and its rate-limit key; 401 otherwise."""
        key = headers.get("x-api-key")
        if key:
            tenant, key_id = tokens.split_api_key(key)
            with self.service(tenant) as svc:
                return svc.principal_from_api_key(key), f"key:{tenant}:{key_id}"
        auth = headers.get("authorization") or ""
        scheme, _, token = auth.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            claims = self.access.verify(token.strip())
        elif cookies.get(COOKIE):
            claims = self.access.verify(cookies[COOKIE])
        else:
            raise AuthenticationFailed(
                "authentication required",
                hint="send Authorization: Bearer <token> from /api/v1/auth/login, or X-API-Key",
            )
        from dfras.auth.service import _principal

        principal = _principal(claims.tenant_id, claims.user_id, claims.role, claims.scopes)
        return principal, f"user:{claims.tenant_id}:{claims.user_id}"

    def count(self, limit_key: str) -> None:
        """Count one request against the caller's window; 429 when over the limit."""
        decision = self.window.hit(limit_key, self.limit, self.period)
        if not decision.allowed:
            raise TooManyAttempts(
                f"rate limit of {self.limit} requests per {self.period:g} s reached",
                retry_after=decision.retry_after,
            )


def client_address(request: Any) -> str:
    return request.client.host if request.client else "unknown"


def audit_event(request: Any, action: str, resource: str, status: int, **detail: Any) -> Any:
    """An audit event for ``request`` (who is added when it is recorded)."""
    from dfras.audit import log as audit
    from dfras.service.observe import REQUEST_ID

    return audit.AuditEvent(
        action=action,
        resource=resource,
        method=request.method,
        path=request.url.path,
        status=status,
        address=client_address(request),
        request_id=REQUEST_ID.get(),
        detail=detail or None,
    )


def password_login(
    auth: AuthContext, tenant: str, email: str, password: str, request: Any
) -> TokenPair:
    """Log in with a password (API and dashboard alike): the token pair, and the attempt
    recorded in the tenant's audit log whether it succeeded or not."""
    from dfras.audit import log as audit

    if not tokens.valid_tenant_id(tenant):
        raise AuthenticationFailed("e-mail or password wrong")
    with auth.service(tenant) as svc:
        try:
            pair = svc.login(tenant, email, password, client_address(request))
        except AuthenticationFailed:
            who = Principal(tenant_id=tenant, user_id=email.strip().lower(), role="unknown")
            audit.record(svc.store, who, audit_event(request, "login_failed", "auth/login", 401))
            raise
        claims = auth.access.verify(pair.access_token)
        who = Principal(tenant_id=tenant, user_id=claims.user_id, role=claims.role)
        audit.record(svc.store, who, audit_event(request, "login", "auth/login", 200))
    return pair
