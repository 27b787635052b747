"""The dashboard's login in headless Chromium against the real multi-tenant server: pages
redirect to the login form and back, wrong passwords are refused, the session cookies are
HttpOnly and scoped, an expired access cookie is renewed from the refresh cookie, the
navigation shows only what the role may open, and logging out revokes the login."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

CHROMIUM = os.environ.get("DFRAS_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"
VIEWPORTS = {"laptop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is a dev dependency")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (set DFRAS_CHROMIUM)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        yield b
        b.close()


def _log_in(page: Any, tenant: str, email: str, password: str) -> None:
    page.fill("input[name=tenant]", tenant)
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("form.login-form button[type=submit]")
    page.wait_for_load_state()


def _cookies(context: Any) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in context.cookies()}


def test_login_round_trip_renewal_and_logout(deployment, browser):
    base = deployment.base_url
    context = browser.new_context(base_url=base, viewport=VIEWPORTS["laptop"])
    page = context.new_page()
    try:
        # a page without a session: the login form, remembering where we were going
        page.goto("/orders?outcome=failure")
        url = urlsplit(page.url)
        assert url.path == "/login"
        assert parse_qs(url.query)["next"] == ["/orders?outcome=failure"]
        assert page.locator("#site-nav a").count() == 0  # no pages to offer before login
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "login-laptop.png"), full_page=True)

        _log_in(page, "acme", "customer_service@acme.test", "not the password")
        assert urlsplit(page.url).path == "/login"
        assert "E-mail or password wrong" in page.inner_text("[role=alert]")
        assert page.input_value("input[name=email]") == "customer_service@acme.test"
        assert page.input_value("input[name=password]") == ""  # never echoed back
        assert "dfras_access" not in _cookies(context)

        _log_in(page, "acme", "customer_service@acme.test", deployment.password)
        url = urlsplit(page.url)
        assert (url.path, url.query) == ("/orders", "outcome=failure")
        assert "acme · customer service" in page.inner_text(".session")
        nav = page.eval_on_selector_all("#site-nav a", "els => els.map(e => e.textContent)")
        assert "Orders" in nav
        assert "Overview" not in nav and "Reports" not in nav  # not this role's pages
        cookies = _cookies(context)
        access, refresh = cookies["dfras_access"], cookies["dfras_refresh"]
        assert access["httpOnly"] and access["sameSite"] == "Lax" and access["path"] == "/"
        assert refresh["httpOnly"] and refresh["sameSite"] == "Strict"
        assert refresh["path"] == "/session"
        assert page.evaluate("document.cookie") == ""  # nothing readable by scripts

        # an expired (here: corrupted) access cookie is renewed from the refresh cookie
        context.add_cookies([{**access, "value": access["value"][:-6] + "AAAAAA"}])
        page.goto("/orders")
        assert urlsplit(page.url).path == "/orders"
        renewed = _cookies(context)
        assert renewed["dfras_refresh"]["value"] != refresh["value"]  # rotated
        assert renewed["dfras_access"]["value"] != access["value"]
        with httpx.Client(base_url=base) as api:  # the used refresh token is spent
            reuse = api.post("/api/v1/auth/refresh", json={"refresh_token": refresh["value"]})
            assert reuse.status_code == 401
        # reusing it revoked the whole login (refresh-token reuse detection): once the
        # access token goes, the browser's newer refresh token no longer renews it
        current = _cookies(context)["dfras_access"]
        context.add_cookies([{**current, "value": current["value"][:-6] + "AAAAAA"}])
        page.goto("/orders")
        assert urlsplit(page.url).path == "/login"
        _log_in(page, "acme", "customer_service@acme.test", deployment.password)
        assert urlsplit(page.url).path == "/orders"
        before_logout = _cookies(context)["dfras_refresh"]["value"]

        page.click(".session button")
        page.wait_for_load_state()
        assert urlsplit(page.url).path == "/login"
        assert not {"dfras_access", "dfras_refresh"} & set(_cookies(context))
        page.goto("/orders")
        assert urlsplit(page.url).path == "/login"
        with httpx.Client(base_url=base) as api:  # logging out revoked the login
            r = api.post("/api/v1/auth/refresh", json={"refresh_token": before_logout})
            assert r.status_code == 401
    finally:
        context.close()


def test_admin_lands_on_the_overview_and_sees_only_her_company(deployment, browser):
    context = browser.new_context(base_url=deployment.base_url, viewport=VIEWPORTS["phone"])
    page = context.new_page()
    try:
        page.goto("/login")
        page.screenshot(path=str(SHOTS / "login-phone.png"), full_page=True)
        _log_in(page, "globex", "admin@globex.test", deployment.password)
        assert urlsplit(page.url).path == "/"
        assert page.locator("h1").first.inner_text().strip() == "Overview"
        acme_only = sorted(
            deployment.ids["acme"]["all_orders"] - deployment.ids["globex"]["all_orders"]
        )
        response = page.goto(f"/orders/{acme_only[0]}")
        assert response is not None and response.status == 404
        # an off-site "next" is never followed
        context.clear_cookies()
        page.goto("/login?next=//evil.example/x")
        _log_in(page, "globex", "admin@globex.test", deployment.password)
        assert urlsplit(page.url).netloc == urlsplit(deployment.base_url).netloc
        assert urlsplit(page.url).path == "/"
    finally:
        context.close()
    with deployment.client("globex", "company_admin") as admin:
        events = admin.get("/api/v1/audit", params={"action": "login"}).json()["events"]
    # the dashboard's two logins are audited like the API's, with the page's path
    assert sum(1 for e in events if e["path"] == "/login") == 2
