"""Cross-tenant attacks, the role x endpoint matrix (generated from the permissions the
routes declare), SQL-injection probes on every filter parameter, masking per role, the audit
trail, and the rate limit — all over HTTP against a real server on a real PostgreSQL."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import httpx
import psycopg
import pytest
from fastapi.routing import APIRoute

from dfras.auth.roles import MATRIX, Role
from dfras.store.registry import TENANT_TABLES_SQL

#: Routes anyone may call: health, how to get a token or a session, static assets, the docs.
PUBLIC = {
    "/api/v1/health",
    "/api/v1/ready",
    "/api/v1/auth/login",
    "/api/v1/auth/refresh",
    "/api/v1/auth/logout",
    "/login",  # the dashboard's login form, renewal and logout (the same token pair)
    "/session/renew",
    "/session/end",
    "/metrics",
    "/openapi.json",
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
}


def _permissions(dependant: Any) -> set[str]:
    found: set[str] = set()
    for sub in dependant.dependencies:
        p = getattr(sub.call, "required_permission", None)
        if p:
            found.add(p)
        found |= _permissions(sub)
    return found


def _query_params(dependant: Any) -> list[Any]:
    out = list(dependant.query_params)
    for sub in dependant.dependencies:
        out += _query_params(sub)
    return out


@pytest.fixture(scope="module")
def routes(tmp_path_factory) -> list[tuple[str, str, str | None, APIRoute]]:
    """(method, path, declared permission, route) of every route of the app."""
    from dfras.service.app import create_app

    app = create_app(str(tmp_path_factory.mktemp("introspect") / "x.duckdb"))
    out = []

    def walk(items: list[Any], prefix: str, extra: set[str]) -> None:
        for r in items:
            if hasattr(r, "original_router"):  # an included router (FastAPI >= 0.16x)
                ctx = r.include_context
                inherited = {
                    getattr(d.dependency, "required_permission", None) for d in ctx.dependencies
                } - {None}
                walk(r.original_router.routes, prefix + ctx.prefix, extra | inherited)
                continue
            if not isinstance(r, APIRoute):
                continue
            perms = _permissions(r.dependant) | extra
            assert len(perms) <= 1, (r.path, perms)
            for m in sorted(r.methods):
                out.append((m, prefix + r.path, next(iter(perms), None), r))

    walk(list(app.routes), "", set())
    assert len(out) >= 30
    return out


def test_every_route_declares_a_permission(routes):
    missing = [
        (m, p)
        for m, p, perm, _ in routes
        if perm is None and p not in PUBLIC and not p.startswith("/assets/")
    ]
    assert not missing, f"routes without a declared permission: {missing}"


def _fill(path: str, order_id: int) -> str:
    def one(m: re.Match[str]) -> str:
        return str(order_id) if m.group(1) == "order_id" else "no-such-thing"

    return re.sub(r"\{(\w+)(?::\w+)?\}", one, path)


def _call(c: httpx.Client, method: str, path: str) -> httpx.Response:
    if method in ("POST", "PUT", "PATCH"):
        return c.request(method, path, json={})
    return c.request(method, path)


def test_role_by_endpoint_matrix(deployment, routes):
    """Every role x every protected route: 403 exactly when the role lacks the permission
    the route declares; otherwise never 403 (nor 401, nor a server error)."""
    order_id = deployment.ids["acme"]["order_ids"][0]
    checked = 0
    for role in MATRIX:
        if role is Role.PLATFORM_ADMIN:
            continue
        granted = {p.value for p in MATRIX[role]}
        with deployment.client("acme", role.value) as c:
            for method, path, perm, _ in routes:
                if perm is None or method == "HEAD":
                    continue
                r = _call(c, method, _fill(path, order_id))
                if perm in granted:
                    assert r.status_code not in (401, 403), (role, method, path, r.text[:200])
                    assert r.status_code < 500, (role, method, path, r.text[:300])
                else:
                    assert r.status_code == 403, (role, method, path, r.status_code)
                checked += 1
    assert checked >= 6 * 30


def test_tenant_b_on_tenant_a_ids_gets_404(deployment, routes):
    """Globex's admin (every permission) on acme's order ids: 404 on every route taking an
    order id, never acme's data; and acme's job ids and users are unknown to globex."""
    with_ids = [(m, p) for m, p, perm, _ in routes if "{order_id}" in p and perm]
    assert len(with_ids) >= 4
    problem_keys = {"type", "title", "status", "detail", "hint", "request_id"}
    with (
        deployment.client("globex", "company_admin") as b,
        deployment.client("acme", "company_admin") as a,
    ):
        failed = a.get("/api/v1/orders", params={"outcome": "failure", "page_size": 500})
        a_only = sorted(
            {o["order_id"] for o in failed.json()["items"]} - deployment.ids["globex"]["all_orders"]
        )
        assert a_only, "the data sets must have failed orders of acme's own"
        for order_id in a_only[:2]:
            for method, path in with_ids:
                if method != "GET":
                    continue
                url = _fill(path, order_id)
                assert a.get(url).status_code == 200, url  # acme sees its own order
                r = b.get(url)
                assert r.status_code == 404, (url, r.status_code, r.text[:200])
                if path.startswith("/api/"):
                    assert set(r.json()) <= problem_keys, r.text[:200]  # a problem, no data
                else:
                    assert "customer_phone" not in r.text
            r = b.post(
                f"/api/v1/causes/{order_id}/resolution",
                json={"status": "In Progress", "note": "globex was here"},
            )
            assert r.status_code == 404
        # an acme job polled by globex
        job = a.post("/api/v1/explanations", json={"outcome": "failure"})
        assert job.status_code in (200, 202), job.text
        job_id = job.json().get("id") or job.headers.get("location", "").rsplit("/", 1)[-1]
        if job_id:
            assert b.get(f"/api/v1/explanations/{job_id}").status_code == 404
        # acme's users cannot be deactivated by globex
        users = a.get("/api/v1/users").json()["users"]
        assert b.delete(f"/api/v1/users/{users[0]['user_id']}").status_code == 404
        # a scope naming acme's warehouses gives globex only globex orders
        wh = deployment.ids["acme"]["warehouses"]
        page = b.get("/api/v1/orders", params={"warehouse_id": wh, "page_size": 500}).json()
        ids = {o["order_id"] for o in page["items"]}
        assert ids <= deployment.ids["globex"]["all_orders"]


def test_no_tenant_set_sees_no_rows(deployment):
    with psycopg.connect(deployment.service_url) as con:
        tables = [r[0] for r in con.execute(TENANT_TABLES_SQL).fetchall()]
        assert "delivery_fact" in tables and "audit_log" in tables
        for t in [*tables, "tenants"]:
            assert con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] == 0, t


PROBES = ("x' OR '1'='1", "x'; DROP TABLE orders; --", "x) OR 1=1 --", "x%' OR 'a' LIKE '%")
HARMLESS = "harmless"


def _normalised(r: httpx.Response, probe: str) -> tuple[int, str]:
    try:
        body: Any = r.json()
    except ValueError:
        return r.status_code, r.text.replace(probe, HARMLESS)

    def strip(v: Any) -> Any:
        if isinstance(v, dict):
            # the request id, clocks, and a model version a background training may move on
            return {
                k: strip(x)
                for k, x in v.items()
                if k not in ("request_id", "model_version") and not k.endswith("_at")
            }
        if isinstance(v, list):
            return [strip(x) for x in v]
        return v

    text = json.dumps(strip(body), sort_keys=True)
    return r.status_code, text.replace(json.dumps(probe)[1:-1], HARMLESS)


def test_sql_injection_probes_change_nothing(deployment, routes):
    """Every query parameter of every GET API route, given injection strings: the same answer
    as a harmless value (status and body, the echoed value aside), no server error, and
    every table intact."""

    def counts() -> dict[str, int]:
        with psycopg.connect(deployment.admin_url) as con:
            return {
                t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("orders", "delivery_fact", "users", "audit_log")
            }

    before = counts()
    probed = 0
    with deployment.client("acme", "company_admin") as c:
        for method, path, perm, route in routes:
            if method != "GET" or not path.startswith("/api/") or perm is None:
                continue
            if "{" in path:
                continue
            for param in _query_params(route.dependant):
                name = param.alias
                base = c.get(path, params={name: HARMLESS})
                for probe in PROBES:
                    r = c.get(path, params={name: probe})
                    assert r.status_code < 500, (path, name, probe, r.text[:200])
                    if base.status_code >= 400:  # refused as input both times (the message
                        # quotes the value its own way): same status, same kind of problem
                        assert r.status_code == base.status_code, (path, name, probe)
                        assert r.json()["title"] == base.json()["title"]
                        continue
                    got = _normalised(r, probe)
                    if got != _normalised(base, HARMLESS):  # a background job moved on?
                        base = c.get(path, params={name: HARMLESS})
                        assert got == _normalised(base, HARMLESS), (path, name, probe)
                    probed += 1
    assert probed >= 40
    after = counts()
    assert after["orders"] == before["orders"] and after["delivery_fact"] == before["delivery_fact"]
    assert after["users"] == before["users"]


def test_masking_per_role(deployment):
    order_id = deployment.ids["acme"]["order_ids"][0]
    with (
        deployment.client("acme", "customer_service") as cs,
        deployment.client("acme", "operations_manager") as ops,
        deployment.client("acme", "warehouse_manager") as wm,
    ):
        seen = cs.get(f"/api/v1/orders/{order_id}").json()["order"]["customer_phone"]
        assert ops.get(f"/api/v1/orders/{order_id}").json()["order"]["customer_phone"] == seen
        wh = deployment.ids["acme"]["warehouses"][0]
        # the warehouse manager (no view_pii) sees the phone masked, on her own warehouse
        page = wm.get("/api/v1/orders", params={"page_size": 500}).json()
        assert page["items"], "the warehouse manager's own warehouse has orders"
        assert {o.get("warehouse_id") for o in page["items"]} <= {wh}
        mine = page["items"][0]["order_id"]
        detail = wm.get(f"/api/v1/orders/{mine}").json()["order"]
        full = cs.get(f"/api/v1/orders/{mine}").json()["order"]
        assert detail["customer_phone"] != full["customer_phone"]
        assert (
            full["customer_phone"][-2:] in detail["customer_phone"]
            or "•" in detail["customer_phone"]
        )
        # and another warehouse's order is not there for her
        other = [
            o["order_id"]
            for o in cs.get("/api/v1/orders", params={"page_size": 500}).json()["items"]
            if o.get("warehouse_id") != wh
        ]
        assert other and wm.get(f"/api/v1/orders/{other[0]}").status_code == 404


def test_audit_records_writes_and_pii_reads(deployment):
    with deployment.client("acme", "customer_service") as cs:
        failed = cs.get("/api/v1/orders", params={"outcome": "failure"}).json()["items"]
        order_id = failed[-1]["order_id"]
        assert cs.get(f"/api/v1/orders/{order_id}").status_code == 200
        r = cs.post(
            f"/api/v1/causes/{order_id}/resolution",
            json={"status": "In Progress", "note": "called the customer"},
        )
        assert r.status_code == 200, r.text
    with deployment.client("acme", "company_admin") as admin:
        events = admin.get("/api/v1/audit", params={"limit": 1000}).json()["events"]
        reads = [
            e for e in events if e["action"] == "read_pii" and e["resource"] == f"orders/{order_id}"
        ]
        writes = [e for e in events if e["action"] == "write" and str(order_id) in e["resource"]]
        assert reads and reads[0]["role"] == "customer_service" and reads[0]["address"]
        assert writes and writes[0]["method"] == "POST"
        assert any(e["action"] == "login" for e in events)
    with deployment.client("globex", "company_admin") as other:
        theirs = other.get("/api/v1/audit", params={"limit": 1000}).json()["events"]
        assert not any(
            str(order_id) in (e["resource"] or "") and e["role"] == "customer_service"
            for e in theirs
            if e["action"] == "read_pii"
        )
    with deployment.client("acme", "data_analyst") as analyst:
        assert analyst.get("/api/v1/audit").status_code == 403


def test_rate_limit_answers_429_with_retry_after(deployment):
    url, proc = deployment.start_another(
        {
            "DFRAS_RATE_LIMIT": "5",
            "DFRAS_RATE_WINDOW": "60",
            "DFRAS_REDIS_URL": "redis://127.0.0.1:6379/0",
        },
    )
    try:
        token = deployment.tokens[("acme", "data_analyst")]
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as c:
            codes = [c.get("/api/v1/kpis").status_code for _ in range(7)]
            assert codes[:5] == [200] * 5 and codes[5] == 429, codes
            r = c.get("/api/v1/kpis")
            assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        other = deployment.tokens[("acme", "fleet_manager")]
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {other}"}) as c:
            assert c.get("/api/v1/kpis").status_code == 200  # per user, not global
    finally:
        deployment.stop(proc)


def test_tenant_b_on_tenant_a_patterns_and_correlations_gets_404(deployment):
    """The pattern scan ran for both tenants on import (on PostgreSQL, through RLS); globex's
    admin asking for acme's anomaly or correlation ids gets 404, never acme's detections."""
    with (
        deployment.client("acme", "company_admin") as a,
        deployment.client("globex", "company_admin") as b,
    ):
        mine = {p["pattern_id"] for p in a.get("/api/v1/anomalies").json()}
        theirs = {p["pattern_id"] for p in b.get("/api/v1/anomalies").json()}
        corr_a = {c["correlation_id"] for c in a.get("/api/v1/correlations").json()}
        corr_b = {c["correlation_id"] for c in b.get("/api/v1/correlations").json()}
        assert mine or corr_a, "acme's scan found something to attack"
        for pid in sorted(mine - theirs)[:3]:
            assert a.get(f"/api/v1/anomalies/{pid}").status_code == 200
            r = b.get(f"/api/v1/anomalies/{pid}")
            assert r.status_code == 404, (pid, r.text[:200])
        for cid in sorted(corr_a - corr_b)[:3]:
            assert a.get(f"/api/v1/correlations/{cid}/graph").status_code == 200
            assert b.get(f"/api/v1/correlations/{cid}/graph").status_code == 404
        # a model version acme does not have is unknown to both (no model trained here)
        assert b.get("/api/v1/models/v-acme-1").status_code == 404


def test_tenant_b_on_tenant_a_alerts_gets_404(deployment):
    """Acme's rule raises alerts; globex's admin can neither read nor acknowledge nor resolve
    them, nor delete acme's rule, nor see either in its own lists."""
    rule = {
        "name": "any-failure",
        "kind": "threshold",
        "params": {
            "outcome": "failure",
            "metric": "count",
            "above": 0,
            "group_by": "warehouse_id",
            "period": "past 365 days",
        },
    }
    with (
        deployment.client("acme", "company_admin") as a,
        deployment.client("globex", "company_admin") as b,
    ):
        r = a.post("/api/v1/alert-rules", json=rule)
        assert r.status_code in (200, 201), r.text
        assert a.post("/api/v1/alerts/evaluate").status_code == 200
        alerts = a.get("/api/v1/alerts").json()
        assert alerts, "acme's rule raised alerts"
        assert b.get("/api/v1/alerts").json() == []
        assert b.get("/api/v1/alert-rules").json() == []
        for alert in alerts[:2]:
            aid = alert["alert_id"]
            assert a.get(f"/api/v1/alerts/{aid}").status_code == 200
            assert b.get(f"/api/v1/alerts/{aid}").status_code == 404
            assert b.post(f"/api/v1/alerts/{aid}/acknowledge", json={}).status_code == 404
            assert b.post(f"/api/v1/alerts/{aid}/resolve", json={"note": "x"}).status_code == 404
        assert b.delete("/api/v1/alert-rules/any-failure").status_code == 404
        assert [x["name"] for x in a.get("/api/v1/alert-rules").json()] == ["any-failure"]


#: Every route with an id in its path, and the test below (or above) that attacks it across
#: tenants. A new route with an id fails ``test_every_id_route_is_attacked`` until added here.
ATTACKED = {
    "/api/v1/causes/{order_id}": "test_tenant_b_on_tenant_a_ids_gets_404",
    "/api/v1/causes/{order_id}/resolution": "test_tenant_b_on_tenant_a_ids_gets_404",
    "/api/v1/orders/{order_id}": "test_tenant_b_on_tenant_a_ids_gets_404",
    "/orders/{order_id}": "test_tenant_b_on_tenant_a_ids_gets_404",
    "/orders/{order_id}/resolution": "test_tenant_b_on_tenant_a_ids_gets_404",
    "/api/v1/explanations/{job_id}": "test_tenant_b_on_tenant_a_ids_gets_404",
    "/api/v1/users/{user_id}": "test_tenant_b_on_tenant_a_ids_gets_404",
    "/api/v1/anomalies/{pattern_id}": "test_tenant_b_on_tenant_a_patterns_and_correlations_gets_404",
    "/api/v1/correlations/{correlation_id}/graph": (
        "test_tenant_b_on_tenant_a_patterns_and_correlations_gets_404"
    ),
    "/api/v1/alerts/{alert_id}": "test_tenant_b_on_tenant_a_alerts_gets_404",
    "/api/v1/alerts/{alert_id}/acknowledge": "test_tenant_b_on_tenant_a_alerts_gets_404",
    "/api/v1/alerts/{alert_id}/resolve": "test_tenant_b_on_tenant_a_alerts_gets_404",
    "/api/v1/alert-rules/{rule}": "test_tenant_b_on_tenant_a_alerts_gets_404",
    "/api/v1/models/{version}": "test_tenant_b_on_tenant_a_models_simulations_jobs_gets_404",
    "/api/v1/models/jobs/{job_id}": "test_tenant_b_on_tenant_a_models_simulations_jobs_gets_404",
    "/api/v1/simulations/{scenario_id}": (
        "test_tenant_b_on_tenant_a_models_simulations_jobs_gets_404"
    ),
    "/api/v1/simulations/jobs/{job_id}": (
        "test_tenant_b_on_tenant_a_models_simulations_jobs_gets_404"
    ),
    "/api/v1/imports/{job_id}": "test_tenant_b_on_tenant_a_models_simulations_jobs_gets_404",
    "/api/v1/reports/schedules/{name}": (
        "test_tenant_b_on_tenant_a_models_simulations_jobs_gets_404"
    ),
    "/api/v1/auth/api-keys/{key_id}": "test_tenant_b_on_tenant_a_models_simulations_jobs_gets_404",
}


def test_every_id_route_is_attacked(routes):
    shared_assets = ("/static", "/assets/")  # the bundled CSS/JS/chart library: no tenant data
    with_ids = {p for _, p, _, _ in routes if "{" in p and not p.startswith(shared_assets)}
    assert with_ids == set(ATTACKED), (with_ids - set(ATTACKED), set(ATTACKED) - with_ids)
    assert set(ATTACKED.values()) <= set(globals())  # every named test exists


def _finish(client: httpx.Client, started: httpx.Response, limit: float = 120) -> dict[str, Any]:
    assert started.status_code == 202, started.text
    location = started.headers["location"]
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(location).json()
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {location} did not finish in {limit} s")


def test_tenant_b_on_tenant_a_models_simulations_jobs_gets_404(deployment):
    """Acme trains a model, runs a simulation, uploads a file, schedules a report and issues an
    API key; globex's admin (every permission) gets 404 for each of their ids and jobs, sees
    none of them in its own lists, and can delete none of them."""
    with (
        deployment.client("acme", "company_admin") as a,
        deployment.client("globex", "company_admin") as b,
    ):
        training = _finish(a, a.post("/api/v1/models", json={"seed": 3}))
        assert training["status"] == "succeeded", training["error"]
        version = training["result"]["model_version"]
        assert a.get(f"/api/v1/models/{version}").status_code == 200
        assert b.get(f"/api/v1/models/{version}").status_code == 404
        assert version not in {m["model_version"] for m in b.get("/api/v1/models").json()}
        assert b.get(f"/api/v1/models/jobs/{training['id']}").status_code == 404
        # a second version retires the first, within acme's rows only
        again = _finish(a, a.post("/api/v1/models", json={"seed": 4}))
        assert again["status"] == "succeeded", again["error"]
        status = {m["model_version"]: m["status"] for m in a.get("/api/v1/models").json()}
        assert status[version] == "retired"
        assert status[again["result"]["model_version"]] == "active"
        assert list(status.values()).count("active") == 1

        body = {"type": "capacity", "parameters": {"warehouse": 1, "change": -0.3}, "runs": 100}
        sim = _finish(a, a.post("/api/v1/simulations", json=body))
        assert sim["status"] == "succeeded", sim["error"]
        scenario = sim["result"]["scenario_id"]
        assert a.get(f"/api/v1/simulations/{scenario}").status_code == 200
        assert b.get(f"/api/v1/simulations/{scenario}").status_code == 404
        assert scenario not in {s["scenario_id"] for s in b.get("/api/v1/simulations").json()}
        assert b.get(f"/api/v1/simulations/jobs/{sim['id']}").status_code == 404

        # an upload that is refused (no domain recognised) still makes an import job
        b_imports = b.get("/api/v1/imports").json()
        upload = a.post(
            "/api/v1/imports", files={"files": ("notes.csv", b"a,b\n1,2\n", "text/csv")}
        )
        imported = _finish(a, upload)
        assert a.get(f"/api/v1/imports/{imported['id']}").status_code == 200
        assert b.get(f"/api/v1/imports/{imported['id']}").status_code == 404
        assert b.get("/api/v1/imports").json() == b_imports  # globex's own batches only

        schedule = {"name": "weekly-acme", "frequency": "weekly", "format": "html"}
        assert a.put("/api/v1/reports/schedules/weekly-acme", json=schedule).status_code in (
            200,
            201,
        )
        assert b.get("/api/v1/reports/schedules").json() == []
        assert b.delete("/api/v1/reports/schedules/weekly-acme").status_code == 404
        names = [s["name"] for s in a.get("/api/v1/reports/schedules").json()]
        assert names == ["weekly-acme"]

        key = a.post("/api/v1/auth/api-keys", json={"name": "acme-etl"})
        assert key.status_code == 201, key.text
        key_id = key.json()["key_id"]
        assert b.delete(f"/api/v1/auth/api-keys/{key_id}").status_code == 404
        assert key_id not in {
            k["key_id"] for k in b.get("/api/v1/auth/api-keys").json()["api_keys"]
        }
        with httpx.Client(base_url=deployment.base_url, timeout=60) as machine:
            still = machine.get("/api/v1/orders", headers={"X-API-Key": key.json()["key"]})
            assert still.status_code == 200  # globex's attempt did not revoke it
