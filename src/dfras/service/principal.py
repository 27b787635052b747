"""Who is asking: the tenant and user every request carries.

On the embedded store there is one tenant and one local user with every permission; the
multi-tenant service replaces :func:`current_principal` with authentication.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

LOCAL_TENANT = "local"


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of one request."""

    tenant_id: str
    user_id: str
    role: str
    permissions: frozenset[str] = field(default_factory=frozenset)
    scopes: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def can(self, permission: str) -> bool:
        return "*" in self.permissions or permission in self.permissions


LOCAL_PRINCIPAL = Principal(
    tenant_id=LOCAL_TENANT, user_id="local", role="company_admin", permissions=frozenset({"*"})
)


async def current_principal(request: Request) -> Principal:
    """The caller of this request: the local user on the single-team service; otherwise
    authenticated (bearer token, API key or the dashboard cookie; 401 if none is valid) and
    counted against its rate limit (429). Sets the request's tenant, which alone decides
    which tenant's store the request opens."""
    from fastapi.concurrency import run_in_threadpool

    from dfras.service.runtime import REQUEST_SCOPES, REQUEST_TENANT

    auth = getattr(request.app.state, "auth", None)
    if auth is None:
        principal = LOCAL_PRINCIPAL
    else:
        principal, limit_key = await run_in_threadpool(
            auth.authenticate, request.headers, request.cookies
        )
        auth.count(limit_key)
    REQUEST_TENANT.set(principal.tenant_id)
    REQUEST_SCOPES.set(dict(principal.scopes))
    request.state.principal = principal
    return principal


def require(permission: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency that yields the caller if her role grants ``permission``, else 403.

    Every route names the permission it needs (the matrix is in ``dfras.auth.roles``), so the
    role x endpoint test can read it back from the routes themselves.
    """

    async def dependency(
        principal: Annotated[Principal, Depends(current_principal)],
    ) -> Principal:
        if not principal.can(permission):
            from dfras.auth.errors import PermissionDenied

            raise PermissionDenied(
                f"your role ({principal.role}) does not allow {permission}",
                hint="ask your company admin for a role that includes it",
            )
        return principal

    dependency.required_permission = permission  # type: ignore[attr-defined]
    return dependency
