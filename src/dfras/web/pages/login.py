"""Logging in to and out of the dashboard, when the service authenticates (PostgreSQL, or
``DFRAS_AUTH=required``).

A dashboard session is the API's own token pair kept in two HttpOnly cookies, so pages and
API share one authentication path and one audit trail:

- ``dfras_access``: the short-lived access token, sent with every request (SameSite=Lax:
  cross-site forms cannot post with it);
- ``dfras_refresh``: the rotating refresh token, sent only to ``/session/…`` (SameSite=Strict).

A page asked for without a valid access token redirects to ``/session/renew``, which trades
the refresh token for a new pair and returns to the page; without one it shows ``/login``.
Logging out revokes the whole login (every token descending from it) and clears both cookies.
Cookies are marked Secure when the request came over HTTPS (or ``DFRAS_COOKIE_SECURE=1``).
"""

from __future__ import annotations

import os
from contextlib import suppress
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dfras.auth import tokens
from dfras.auth.errors import AuthenticationFailed, TooManyAttempts
from dfras.auth.roles import Role, permissions_of
from dfras.auth.service import REFRESH_TTL, TokenPair
from dfras.service.authn import COOKIE, AuthContext, password_login
from dfras.web.templating import NAV, NAV_PERMISSION, render

router = APIRouter()

REFRESH_COOKIE = "dfras_refresh"
SESSION_PATH = "/session"


def safe_next(value: str | None) -> str:
    """Where to go after logging in: a path on this site only (never another host)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in value):  # "/\t/evil" becomes "//evil"
        return "/"
    if value.startswith(("/login", SESSION_PATH)):
        return "/"
    return value


def login_redirect(request: Request) -> RedirectResponse:
    """Where a page request without a valid session goes: renew it, then come back."""
    if request.method in ("GET", "HEAD"):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    else:  # a form posted with an expired session: back to the page that holds the form
        referer = request.headers.get("referer", "")
        base = str(request.base_url)
        target = "/" + referer[len(base) :] if referer.startswith(base) else "/"
    return RedirectResponse(f"{SESSION_PATH}/renew?next={quote(safe_next(target))}", 303)


def _auth(request: Request) -> AuthContext | None:
    return getattr(request.app.state, "auth", None)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or os.environ.get("DFRAS_COOKIE_SECURE") == "1"


def landing(role: str) -> str:
    """The first page of the navigation ``role`` may open (customer service has no overview)."""
    allowed = {str(p) for p in permissions_of(role)} if role in set(Role) else set()
    for href, _ in NAV:
        if NAV_PERMISSION.get(href, "view_analytics") in allowed:
            return href
    return "/"


def _signed_in(
    request: Request, pair: TokenPair, target: str, auth: AuthContext
) -> RedirectResponse:
    if target == "/":
        target = landing(auth.access.verify(pair.access_token).role)
    response = RedirectResponse(target, status_code=303)
    secure = _secure(request)
    response.set_cookie(
        COOKIE,
        pair.access_token,
        max_age=pair.expires_in,
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure,
    )
    response.set_cookie(
        REFRESH_COOKIE,
        pair.refresh_token,
        max_age=int(REFRESH_TTL.total_seconds()),
        path=SESSION_PATH,
        httponly=True,
        samesite="strict",
        secure=secure,
    )
    return response


def _signed_out(response: Response) -> Response:
    response.delete_cookie(COOKIE, path="/")
    response.delete_cookie(REFRESH_COOKIE, path=SESSION_PATH)
    return response


def _form(
    request: Request, target: str, *, status: int = 200, message: str | None = None, **fields: Any
) -> HTMLResponse:
    context = {"title": "Log in", "next": target, "message": message, **fields}
    return render(request, "login.html", context, status=status)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> Response:
    target = safe_next(next)
    if _auth(request) is None:  # one local team: nobody logs in
        return RedirectResponse(target, status_code=303)
    return _form(request, target)


@router.post("/login", response_class=HTMLResponse)
async def login_submit(
    request: Request,
    tenant: Annotated[str, Form(max_length=63)] = "",
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    target = safe_next(next)
    auth = _auth(request)
    if auth is None:
        return RedirectResponse(target, status_code=303)
    keep = {"tenant": tenant.strip(), "email": email.strip()}
    if not (tenant.strip() and email.strip() and password):
        return _form(
            request, target, status=422, message="Enter company, e-mail and password.", **keep
        )
    try:
        pair = await run_in_threadpool(
            password_login, auth, tenant.strip(), email, password, request
        )
    except TooManyAttempts as exc:
        response = _form(request, target, status=429, message=f"{exc.message}; {exc.hint}.", **keep)
        response.headers["Retry-After"] = str(int(exc.retry_after) + 1)
        return response
    except AuthenticationFailed:
        return _form(request, target, status=401, message="E-mail or password wrong.", **keep)
    return _signed_in(request, pair, target, auth)


@router.get(f"{SESSION_PATH}/renew")
async def renew(request: Request, next: str = "/") -> Response:
    """Trade the refresh cookie for a new pair and go back; the login form without one."""
    target = safe_next(next)
    auth = _auth(request)
    if auth is None:
        return RedirectResponse(target, status_code=303)
    refresh = request.cookies.get(REFRESH_COOKIE)
    to_login = RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    if not refresh:
        return to_login

    def rotate() -> TokenPair:
        with auth.service(tokens.split_refresh_token(refresh)) as svc:
            return svc.refresh(refresh)

    try:
        pair = await run_in_threadpool(rotate)
    except AuthenticationFailed:
        return _signed_out(to_login)
    return _signed_in(request, pair, target, auth)


@router.post(f"{SESSION_PATH}/end")
async def logout(request: Request) -> Response:
    """Revoke this login everywhere it was refreshed, clear the cookies, show the form."""
    auth = _auth(request)
    refresh = request.cookies.get(REFRESH_COOKIE)
    if auth is not None and refresh:

        def revoke() -> None:
            with auth.service(tokens.split_refresh_token(refresh)) as svc:
                svc.logout(refresh)

        # a malformed cookie has nothing to revoke: the cookies go all the same
        with suppress(AuthenticationFailed):
            await run_in_threadpool(revoke)
    return _signed_out(RedirectResponse("/login", status_code=303))
