"""The REST API against a real ``dfras serve`` process: answers agree with the core services,
problems are actionable, writes invalidate cached answers, and the CLI can use the store while
the server runs."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import Server, start_server, stop
from dfras.analysis.scope import make_scope
from dfras.orders.service import list_orders, order_detail
from dfras.overview.service import overview
from dfras.store import open_store

DFRAS = [sys.executable, "-m", "dfras"]


@pytest.fixture(scope="module")
def expected(small_store: Path) -> dict[str, Any]:
    """Answers computed in process before the server starts (the server must agree)."""
    store = open_store(str(small_store))
    try:
        failed = store.fetchall(
            "SELECT order_id FROM root_cause_analysis WHERE outcome = 'failure' ORDER BY order_id"
        )
        return {
            "overview": overview(store, make_scope(city=["Mumbai"])),
            "page": list_orders(store, outcome="late", sort="amount", page=2, page_size=7),
            "failed": [r[0] for r in failed],
            "details": {
                oid: json.loads(json.dumps(order_detail(store, oid)))
                for (oid,) in store.fetchall(
                    "SELECT order_id FROM delivery_fact ORDER BY order_id DESC LIMIT 60"
                )
            },
        }
    finally:
        store.close()


@pytest.fixture(scope="module")
def server(small_store: Path, expected: dict[str, Any]) -> Iterator[Server]:
    s = start_server(small_store, env={"DFRAS_MAX_BODY_BYTES": "20000"})
    yield s
    stop(s)


@pytest.fixture
def api(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url + "/api/v1", timeout=60) as c:
        yield c


def test_health_ready_and_request_ids(api: httpx.Client, server: Server) -> None:
    assert api.get("/health").json()["status"] == "ok"
    ready = api.get("/ready")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    r = api.get("/health", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    r = api.get("/health", headers={"X-Request-ID": "bad id with spaces"})
    assert (
        r.headers["x-request-id"] != "bad id with spaces" and len(r.headers["x-request-id"]) == 32
    )
    metrics = httpx.get(server.base_url + "/metrics").text
    assert 'dfras_http_requests_total{method="GET",route="/api/v1/health",status="200"}' in metrics


def test_overview_agrees_with_the_core_service_and_is_cached(
    api: httpx.Client, expected: dict[str, Any]
) -> None:
    first = api.get("/overview", params={"city": "Mumbai"})
    assert first.status_code == 200
    assert first.json() == json.loads(json.dumps(expected["overview"]))
    second = api.get("/overview", params={"city": "Mumbai"})
    assert second.headers["x-cache"] == "hit" and second.json() == first.json()


def test_orders_page_agrees(api: httpx.Client, expected: dict[str, Any]) -> None:
    r = api.get("/orders", params={"outcome": "late", "sort": "amount", "page": 2, "page_size": 7})
    assert r.status_code == 200
    want = expected["page"]
    got = r.json()
    assert got["total"] == want["total"] and got["page"] == 2 and got["page_size"] == 7
    assert [i["order_id"] for i in got["items"]] == [i["order_id"] for i in want["items"]]


def test_problems_are_actionable(api: httpx.Client) -> None:
    r = api.get("/orders/123456789")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert "123456789" in body["detail"] and body["hint"] and body["request_id"]
    assert body["request_id"] == r.headers["x-request-id"]
    r = api.get("/orders", params={"sort": "amount; DROP TABLE orders"})
    assert r.status_code == 422 and "sort" in r.json()["detail"]
    r = api.get("/overview", params={"period": "next blue moon"})
    assert r.status_code == 400 and "period" in r.json()["detail"]
    r = api.post("/ask", json={"question": "x" * 30_000})
    assert r.status_code == 413 and "20,000" in r.json()["detail"]
    assert api.get("/nowhere").status_code == 404


def _compute_count(server: Server, kind: str) -> float:
    for line in httpx.get(server.base_url + "/metrics").text.splitlines():
        if line.startswith(f'dfras_compute_seconds_count{{kind="{kind}"}}'):
            return float(line.split()[-1])
    return 0.0


def test_concurrent_order_details_are_looked_up_together(
    server: Server, expected: dict[str, Any]
) -> None:
    """Sixty misses at once (and two unknown ids) share a few batched lookups; each answer is
    the order's own detail, the unknown ones 404."""
    from concurrent.futures import ThreadPoolExecutor

    wanted = [*expected["details"], 987_654_321, 987_654_322]
    before = _compute_count(server, "order")

    def get(oid: int) -> httpx.Response:
        with httpx.Client(base_url=server.base_url + "/api/v1", timeout=60) as c:
            return c.get(f"/orders/{oid}")

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = dict(zip(wanted, pool.map(get, wanted), strict=True))
    for oid, detail in expected["details"].items():
        assert answers[oid].status_code == 200, answers[oid].text
        assert answers[oid].headers["x-cache"] == "miss"
        assert answers[oid].json() == detail
    for oid in wanted[-2:]:
        assert answers[oid].status_code == 404 and str(oid) in answers[oid].json()["detail"]
    batches = _compute_count(server, "order") - before
    assert 1 <= batches < len(wanted) / 2


def test_order_detail_and_resolution_workflow(api: httpx.Client, expected: dict[str, Any]) -> None:
    oid = expected["failed"][0]
    detail = api.get(f"/orders/{oid}").json()
    assert detail["cause"]["outcome"] == "failure" and detail["timeline"][0]["stage"] == "ordered"
    assert detail["cause"]["resolution_status"] == "Pending"
    bad = api.post(f"/causes/{oid}/resolution", json={"status": "Closed"})
    assert bad.status_code == 400 and "Pending" in bad.json()["hint"]
    r = api.post(
        f"/causes/{oid}/resolution",
        json={"status": "In Progress", "note": "called the hub", "preventive_measures": ["x"]},
    )
    assert r.status_code == 200 and r.json()["status"] == "In Progress"
    assert r.json()["history"][0]["by"] == "local"
    # the write made the cached detail unreachable
    again = api.get(f"/orders/{oid}")
    assert again.headers["x-cache"] == "miss"
    assert again.json()["cause"]["resolution_status"] == "In Progress"
    assert again.json()["resolution_history"][0]["note"] == "called the hub"
    assert api.get(f"/causes/{oid}").json()["resolution"]["preventive_measures"] == ["x"]


def test_explanation_runs_in_the_background_then_comes_from_the_cache(api: httpx.Client) -> None:
    body = {"scope": {"city": ["Delhi"]}, "outcome": "late", "limit": 5}
    r = api.post("/explanations", json=body)
    assert r.status_code == 202
    job = r.json()
    assert r.headers["location"] == f"/api/v1/explanations/{job['id']}"
    deadline = time.monotonic() + 60
    while job["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.2)
        job = api.get(f"/explanations/{job['id']}").json()
    assert job["status"] == "succeeded", job
    assert job["result"]["outcome"] == "late"
    assert job["result"]["scope"]["conditions"] == {"city": "Delhi"}
    hit = api.post("/explanations", json=body)
    assert hit.status_code == 200 and hit.headers["x-cache"] == "hit"
    assert hit.json() == job["result"]
    assert api.get("/explanations/nope").status_code == 404


def test_compare_and_ask(api: httpx.Client) -> None:
    r = api.post("/comparisons", json={"a": {"city": ["Mumbai"]}, "outcome": "failure"})
    assert r.status_code == 200
    assert [s["label"] for s in r.json()["scopes"]] == ["A", "B"]
    r = api.post("/ask", json={"question": "why did failures rise in Mumbai last month?"})
    assert r.status_code == 200 and r.json()["understood"]["scope"] == {"city": "Mumbai"}


def test_cli_works_on_the_store_while_the_server_runs(
    api: httpx.Client, small_store: Path, small_data: Path, tmp_path: Path
) -> None:
    before = api.get("/overview").json()["orders"]
    assert api.get("/overview").headers["x-cache"] == "hit"
    # a second import through the CLI: one more order added to the orders file
    extra = tmp_path / "orders.csv"
    lines = (small_data / "orders.csv").read_text().splitlines()
    header, last = lines[0], lines[-1].split(",")
    last[0] = "900001"
    extra.write_text(header + "\n" + ",".join(last) + "\n")
    done = subprocess.run(
        [*DFRAS, "--db", str(small_store), "ingest", str(extra), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    after = api.get("/overview")
    assert after.status_code == 200 and after.headers["x-cache"] == "miss"
    assert after.json()["orders"] == before + 1
    info = subprocess.run(
        [*DFRAS, "--db", str(small_store), "info", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert info.returncode == 0, info.stderr
    assert api.get("/ready").status_code == 200


def test_import_through_the_api(small_data: Path, tmp_path: Path) -> None:
    server = start_server(tmp_path / "fresh.duckdb")
    try:
        with httpx.Client(base_url=server.base_url + "/api/v1", timeout=60) as api:
            assert api.get("/overview").json()["orders"] == 0
            files = [
                ("files", (p.name, p.read_bytes(), "text/csv"))
                for p in sorted(small_data.glob("*.csv"))
                if not p.name.startswith("truth")
            ]
            files.append(("files", ("notes.csv", b"a,b\n1,2\n", "text/csv")))
            r = api.post("/imports", files=files)
            assert r.status_code == 202
            job = r.json()
            deadline = time.monotonic() + 120
            while job["status"] in ("queued", "running") and time.monotonic() < deadline:
                time.sleep(0.3)
                job = api.get(f"/imports/{job['id']}").json()
            assert job["status"] == "succeeded", job
            assert job["progress"] == {
                "stage": "done",
                "done": 100,
                "total": 100,
                "unit": "percent",
            }
            result = job["result"]
            assert result["rejected"] == 1
            assert {b["domain"] for b in result["batches"] if b["status"] == "committed"} == {
                "orders",
                "clients",
                "warehouses",
                "drivers",
                "warehouse_logs",
                "fleet_logs",
                "external_factors",
                "feedback",
            }
            assert {d["domain"] for d in result["quality"]["domains"]} >= {"orders"}
            (orders,) = [b for b in result["batches"] if b["domain"] == "orders"]
            assert orders["rows_inserted"] == 1_500  # the generator's order count
            assert api.get("/overview").json()["orders"] == 1_500
            assert len(api.get("/imports").json()) == 8
    finally:
        stop(server)


def test_redis_cache_survives_a_restart(small_store: Path, tmp_path: Path) -> None:
    import shutil

    import redis

    url = "redis://127.0.0.1:6379/15"
    try:
        client = redis.Redis.from_url(url)
        client.ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    client.flushdb()
    store = tmp_path / "copy.duckdb"  # the module's server holds the original
    shutil.copy(small_store, store)
    try:
        for want in ("miss", "hit"):  # the second server finds the first one's answer
            server = start_server(store, env={"DFRAS_REDIS_URL": url})
            try:
                with httpx.Client(base_url=server.base_url + "/api/v1", timeout=60) as api:
                    assert api.get("/ready").status_code == 200  # the store is open
                    assert api.get("/kpis").headers["x-cache"] == want
            finally:
                stop(server)
        assert any(b":kpis:" in k for k in client.keys("dfras:*"))
    finally:
        client.flushdb()
