"""Log in, refresh, log out; API keys; the company's users; the audit log.

Login and refresh take no bearer token (they are how one gets one); everything else names
the permission it needs. Secrets (passwords, refresh tokens, API keys) are never logged and
never returned after they are issued.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field

from dfras.audit import log as audit
from dfras.auth import tokens
from dfras.auth.roles import Permission
from dfras.domain.errors import NotFound, UserError
from dfras.service.authn import AuthContext, password_login
from dfras.service.principal import Principal, require
from dfras.service.problems import problem_responses
from dfras.service.runtime import dumps, json_response

router = APIRouter(tags=["auth"])


class Login(BaseModel):
    tenant: str = Field(min_length=1, max_length=63)
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


class RefreshBody(BaseModel):
    refresh_token: str = Field(min_length=10, max_length=400)


class NewApiKey(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    role: str | None = None
    scopes: dict[str, list[str]] = Field(default_factory=dict)
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class NewUser(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=12, max_length=1024)
    role: str
    scopes: dict[str, list[str]] = Field(default_factory=dict)


def _auth(request: Request) -> AuthContext:
    auth: AuthContext | None = getattr(request.app.state, "auth", None)
    if auth is None:
        raise UserError(
            "authentication is off on this server (one local team on a DuckDB store)",
            hint="set DFRAS_AUTH=required, or serve a PostgreSQL store",
        )
    return auth


def _pair(pair: Any) -> Response:
    return json_response(
        dumps(
            {
                "access_token": pair.access_token,
                "refresh_token": pair.refresh_token,
                "token_type": pair.token_type,
                "expires_in": pair.expires_in,
            }
        )
    )


@router.post("/auth/login", responses=problem_responses(400, 401, 422, 429))
def login(body: Login, request: Request) -> Response:
    """Password login: an access token (short-lived JWT) and a refresh token (rotating)."""
    pair = password_login(_auth(request), body.tenant, body.email, body.password, request)
    return _pair(pair)


@router.post("/auth/refresh", responses=problem_responses(400, 401, 422))
def refresh(body: RefreshBody, request: Request) -> Response:
    """A new token pair for a refresh token, which is used up; a reused one revokes the
    whole login (every token descending from it)."""
    auth = _auth(request)
    tenant = tokens.split_refresh_token(body.refresh_token)
    with auth.service(tenant) as svc:
        return _pair(svc.refresh(body.refresh_token))


@router.post("/auth/logout", status_code=204, responses=problem_responses(400, 401, 422))
def logout(body: RefreshBody, request: Request) -> Response:
    """Revoke the login this refresh token belongs to."""
    auth = _auth(request)
    tenant = tokens.split_refresh_token(body.refresh_token)
    with auth.service(tenant) as svc:
        svc.logout(body.refresh_token)
    return Response(status_code=204)


Admin = Annotated[Principal, Depends(require(Permission.MANAGE_USERS.value))]


@router.post("/auth/api-keys", status_code=201, responses=problem_responses(400, 401, 403, 422))
def create_api_key(body: NewApiKey, request: Request, principal: Admin) -> Response:
    """A new API key for a machine client (shown once; stored only as a digest)."""
    auth = _auth(request)
    with auth.service(principal.tenant_id) as svc:
        try:
            key_id, key = svc.create_api_key(
                principal,
                body.name,
                role=body.role,
                scopes=body.scopes,
                expires_in_days=body.expires_in_days,
            )
        except ValueError as exc:
            raise UserError(str(exc)) from exc
    return json_response(dumps({"key_id": key_id, "key": key, "name": body.name}), status=201)


@router.get("/auth/api-keys", responses=problem_responses(400, 401, 403))
def list_api_keys(request: Request, principal: Admin) -> Response:
    """The company's API keys (never their secrets)."""
    with _auth(request).store_for(principal.tenant_id) as store:
        rows = store.fetch_dicts(
            "SELECT key_id, name, role, scopes, created_by, created_at, expires_at, "
            "last_used_at, revoked_at FROM api_keys WHERE tenant_id = ? ORDER BY created_at",
            [principal.tenant_id],
        )
    return json_response(dumps({"api_keys": rows}))


KeyId = Annotated[str, Path(min_length=1, max_length=64)]


@router.delete(
    "/auth/api-keys/{key_id}", status_code=204, responses=problem_responses(400, 401, 403, 404)
)
def revoke_api_key(key_id: KeyId, request: Request, principal: Admin) -> Response:
    """Revoke an API key at once (its next request is refused)."""
    with _auth(request).service(principal.tenant_id) as svc:
        if not svc.revoke_api_key(principal.tenant_id, key_id):
            raise NotFound(f"no active API key {key_id!r}")
    return Response(status_code=204)


@router.get("/users", responses=problem_responses(400, 401, 403))
def list_users(request: Request, principal: Admin) -> Response:
    """The company's users (never their password hashes)."""
    with _auth(request).store_for(principal.tenant_id) as store:
        rows = store.fetch_dicts(
            "SELECT user_id, email, role, scopes, active, created_at, last_login_at FROM users "
            "WHERE tenant_id = ? ORDER BY email",
            [principal.tenant_id],
        )
    return json_response(dumps({"users": rows}))


@router.post("/users", status_code=201, responses=problem_responses(400, 401, 403, 422))
def create_user(body: NewUser, request: Request, principal: Admin) -> Response:
    """Add a user to the company with a role and optional scopes."""
    with _auth(request).service(principal.tenant_id) as svc:
        try:
            user_id = svc.create_user(
                principal.tenant_id, body.email, body.password, body.role, body.scopes
            )
        except ValueError as exc:
            raise UserError(str(exc)) from exc
    return json_response(dumps({"user_id": user_id, "email": body.email.lower()}), status=201)


UserId = Annotated[str, Path(min_length=1, max_length=64)]


@router.delete("/users/{user_id}", status_code=204, responses=problem_responses(400, 401, 403, 404))
def deactivate_user(user_id: UserId, request: Request, principal: Admin) -> Response:
    """Deactivate a user: her logins and the API keys she created are revoked."""
    with _auth(request).service(principal.tenant_id) as svc:
        found = svc.store.fetchall(
            "SELECT 1 FROM users WHERE tenant_id = ? AND user_id = ?",
            [principal.tenant_id, user_id],
        )
        if not found:
            raise NotFound(f"no user {user_id!r}")
        svc.deactivate_user(principal.tenant_id, user_id)
    return Response(status_code=204)


@router.get("/audit", responses=problem_responses(400, 401, 403, 422))
async def audit_log(
    request: Request,
    principal: Annotated[Principal, Depends(require(Permission.VIEW_AUDIT.value))],
    actor: Annotated[str | None, Query(max_length=200)] = None,
    action: Annotated[str | None, Query(max_length=40)] = None,
    resource: Annotated[str | None, Query(max_length=200)] = None,
    since: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    """The company's audit log, newest first: who did or read what, when, from where."""
    rt = request.app.state.runtime

    def work() -> list[dict[str, Any]]:
        with rt.gate.reading() as store:
            audit.ensure_audit_table(store)
            return audit.query(
                store,
                principal.tenant_id,
                actor=actor,
                action=action,
                resource_prefix=resource,
                since=since,
                limit=limit,
                offset=offset,
            )

    rows = await run_in_threadpool(work)
    return json_response(dumps({"events": rows}))
