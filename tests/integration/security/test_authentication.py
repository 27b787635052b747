"""Tokens and keys over HTTP: no credentials, forged, expired, reused refresh and revoked
keys are all refused with 401; valid ones are served."""

from __future__ import annotations

import time

from dfras.auth.tokens import AccessTokens


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_no_credentials_is_401_with_www_authenticate(deployment):
    with deployment.client() as c:
        r = c.get("/api/v1/orders")
    assert r.status_code == 401
    assert "bearer" in r.headers.get("www-authenticate", "").lower()


def test_forged_and_expired_tokens_are_refused(deployment):
    forged, _ = AccessTokens(b"x" * 48).issue(
        tenant_id="acme", user_id="mallory", role="company_admin", scopes={}
    )
    expired, _ = AccessTokens(
        deployment.secret.encode(), ttl=60, clock=lambda: time.time() - 3600
    ).issue(tenant_id="acme", user_id="mallory", role="company_admin", scopes={})
    good = deployment.tokens[("acme", "company_admin")]
    tampered = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    with deployment.client() as c:
        for token in (forged, expired, tampered, "not.a.jwt", "x"):
            r = c.get("/api/v1/orders", headers=_bearer(token))
            assert r.status_code == 401, (token[:20], r.status_code)
        assert c.get("/api/v1/orders", headers=_bearer(good)).status_code == 200


def test_wrong_password_is_401_and_right_one_logs_in(deployment):
    with deployment.client() as c:
        bad = c.post(
            "/api/v1/auth/login",
            json={"tenant": "acme", "email": "admin@acme.test", "password": "wrong password!"},
        )
        assert bad.status_code == 401
        # the same user does not exist in the other tenant
        other = c.post(
            "/api/v1/auth/login",
            json={"tenant": "globex", "email": "admin@acme.test", "password": deployment.password},
        )
        assert other.status_code == 401


def test_refresh_rotates_and_reuse_revokes_the_login(deployment):
    with deployment.client() as c:
        r = c.post(
            "/api/v1/auth/login",
            json={
                "tenant": "acme",
                "email": "data_analyst@acme.test",
                "password": deployment.password,
            },
        )
        first = r.json()["refresh_token"]
        r2 = c.post("/api/v1/auth/refresh", json={"refresh_token": first})
        assert r2.status_code == 200
        second = r2.json()["refresh_token"]
        assert second != first
        assert c.get("/api/v1/kpis", headers=_bearer(r2.json()["access_token"])).status_code == 200
        # the used token again: refused, and the whole login (the second token too) revoked
        assert c.post("/api/v1/auth/refresh", json={"refresh_token": first}).status_code == 401
        assert c.post("/api/v1/auth/refresh", json={"refresh_token": second}).status_code == 401
        # logout revokes a fresh login's refresh token
        r3 = c.post(
            "/api/v1/auth/login",
            json={
                "tenant": "acme",
                "email": "data_analyst@acme.test",
                "password": deployment.password,
            },
        )
        third = r3.json()["refresh_token"]
        assert c.post("/api/v1/auth/logout", json={"refresh_token": third}).status_code == 204
        assert c.post("/api/v1/auth/refresh", json={"refresh_token": third}).status_code == 401


def test_api_keys_work_until_revoked(deployment):
    admin = _bearer(deployment.tokens[("acme", "company_admin")])
    with deployment.client() as c:
        r = c.post(
            "/api/v1/auth/api-keys", headers=admin, json={"name": "etl", "role": "data_analyst"}
        )
        assert r.status_code == 201, r.text
        key_id, key = r.json()["key_id"], r.json()["key"]
        assert c.get("/api/v1/kpis", headers={"X-API-Key": key}).status_code == 200
        listed = c.get("/api/v1/auth/api-keys", headers=admin).json()["api_keys"]
        assert key_id in {k["key_id"] for k in listed}
        assert all("secret_hash" not in k and key not in str(k) for k in listed)
        # a key of acme presented with its tenant prefix changed is unknown
        moved = key.replace("acme", "globex", 1)
        assert c.get("/api/v1/kpis", headers={"X-API-Key": moved}).status_code == 401
        assert c.delete(f"/api/v1/auth/api-keys/{key_id}", headers=admin).status_code == 204
        assert c.get("/api/v1/kpis", headers={"X-API-Key": key}).status_code == 401
        assert c.delete(f"/api/v1/auth/api-keys/{key_id}", headers=admin).status_code == 404
        # globex's admin cannot revoke acme's keys
        r = c.post("/api/v1/auth/api-keys", headers=admin, json={"name": "etl2"})
        other = _bearer(deployment.tokens[("globex", "company_admin")])
        assert (
            c.delete(f"/api/v1/auth/api-keys/{r.json()['key_id']}", headers=other).status_code
            == 404
        )
        assert c.get("/api/v1/kpis", headers={"X-API-Key": r.json()["key"]}).status_code == 200
