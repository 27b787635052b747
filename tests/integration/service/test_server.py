"""The server process answers health checks and speaks problem details."""

from __future__ import annotations

from typing import Any


def test_health_and_openapi(empty_server: Any) -> None:
    with empty_server.client() as c:
        health = c.get("/api/v1/health")
        assert health.status_code == 200
        assert health.json()["status"] == "ok"
        spec = c.get("/openapi.json").json()
        assert "/api/v1/health" in spec["paths"]


def test_unknown_route_is_a_problem_document(empty_server: Any) -> None:
    with empty_server.client() as c:
        r = c.get("/api/v1/no-such-thing")
        assert r.status_code == 404
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["status"] == 404
