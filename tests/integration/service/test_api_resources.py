"""Patterns, alerts, predictions and simulations over the API, against a real ``dfras serve``
process: answers agree with the core services run in process on the same store, unknown ids are
404s, bad parameters 422s naming the field, jobs run to completion, alerts move through their
states."""

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
from dfras.alerts import rules as rule_store
from dfras.alerts.lifecycle import history, list_alerts
from dfras.alerts.service import evaluate
from dfras.generate import generate
from dfras.ingest.service import ingest_paths
from dfras.patterns import service as patterns
from dfras.service.runtime import dumps
from dfras.store import open_store

DFRAS = [sys.executable, "-m", "dfras"]
#: 8,000 orders (seed 7) is the smallest generated store whose scan finds an anomaly.
ORDERS, SEED = 8_000, 7


@pytest.fixture(scope="module")
def resource_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A scanned store with a firing alert rule, and the core services' own answers."""
    folder = tmp_path_factory.mktemp("resources")
    generate(folder, orders=ORDERS, seed=SEED)
    path = folder / "store.duckdb"
    store = open_store(str(path))
    try:
        ingest_paths(store, [folder])
        rule = rule_store.build_rule(
            name="city failures",
            kind="threshold",
            severity="high",
            params={
                "outcome": "failure",
                "above": 0.01,
                "group_by": "city",
                "period": "past 90 days",
            },
        )
        rule_store.save_rule(store, rule)
        evaluate(store)
        alerts = [a.to_dict() for a in list_alerts(store)]
        corr = patterns.list_correlations(store)
        anomalies = patterns.list_anomalies(store)
        expected = {
            "patterns": [d.to_dict() for d in patterns.list_patterns(store)],
            "trends": [d.to_dict() for d in patterns.list_patterns(store, types=["Trend"])],
            "anomalies": [d.to_dict() for d in anomalies],
            "anomaly": patterns.anomaly_with_explanation(store, anomalies[0].pattern_id),
            "correlations": [c.to_dict() for c in corr],
            "graph": patterns.causal_chain(store, corr[0].correlation_id),
            "alerts": alerts,
            "history": history(store, alerts[0]["alert_id"]),
        }
    finally:
        store.close()
    return path, json.loads(dumps(expected))  # as the server writes JSON


@pytest.fixture(scope="module")
def server(resource_store: tuple[Path, dict[str, Any]]) -> Iterator[Server]:
    s = start_server(
        resource_store[0],
        env={"DFRAS_SCHEDULE_TICK": "0", "DFRAS_MAX_SIMULATION_RUNS": "400"},
    )
    yield s
    stop(s)


@pytest.fixture
def api(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url + "/api/v1", timeout=60) as c:
        yield c


@pytest.fixture
def expected(resource_store: tuple[Path, dict[str, Any]]) -> dict[str, Any]:
    return resource_store[1]


def _ids(rows: list[dict[str, Any]], key: str) -> list[Any]:
    return [r[key] for r in rows]


def _problem(resp: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = resp.json()
    if field is not None:
        assert any(field in e["field"] for e in body["errors"]), body
    return body


def _finish(api: httpx.Client, started: httpx.Response, limit: float = 60) -> dict[str, Any]:
    assert started.status_code == 202, started.text
    location = started.headers["location"]
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        job: dict[str, Any] = api.get(location.removeprefix("/api/v1")).json()
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {location} did not finish in {limit} s")


def test_patterns_and_anomalies_match_the_scan(api: httpx.Client, expected: dict[str, Any]) -> None:
    found = api.get("/patterns").json()
    assert found == expected["patterns"] and len(found) >= 3
    trends = api.get("/patterns", params={"type": "Trend"}).json()
    assert trends == expected["trends"] and all(t["type"] == "Trend" for t in trends)
    assert api.get("/anomalies").json() == expected["anomalies"]
    one = expected["anomaly"]
    got = api.get(f"/anomalies/{one['pattern_id']}").json()
    assert got == one and got["explanation"]
    # a city filter keeps only that city's patterns
    city = one["entity"].get("city")
    if city:
        in_city = api.get("/anomalies", params={"city": city}).json()
        assert one["pattern_id"] in _ids(in_city, "pattern_id")
        assert all(a["entity"].get("city") == city for a in in_city)
    _problem(api.get("/anomalies/nope"), 404)
    not_anomaly = next(p for p in expected["patterns"] if p["type"] != "Anomaly")
    _problem(api.get(f"/anomalies/{not_anomaly['pattern_id']}"), 404)
    _problem(api.get("/patterns", params={"type": "Bogus"}), 422, "type")


def test_correlations_and_their_graph(api: httpx.Client, expected: dict[str, Any]) -> None:
    assert api.get("/correlations").json() == expected["correlations"]
    graph = expected["graph"]
    got = api.get(f"/correlations/{graph['correlation_id']}/graph").json()
    assert got == graph and got["nodes"]
    node_ids = {n["id"] for n in got["nodes"]}
    assert all(e["source"] in node_ids and e["target"] in node_ids for e in got["edges"])
    _problem(api.get("/correlations/nope/graph"), 404)
    _problem(api.get("/correlations", params={"type": "Causal"}), 422, "type")


def test_alerts_overview_and_transitions(api: httpx.Client, expected: dict[str, Any]) -> None:
    alerts = expected["alerts"]
    assert alerts and api.get("/alerts").json() == alerts
    high = api.get("/alerts", params={"severity": "high", "state": "open"}).json()
    assert _ids(high, "alert_id") == [a["alert_id"] for a in alerts if a["state"] == "open"]
    assert api.get("/alerts", params={"rule": "no such rule"}).json() == []
    # the overview lists the newest unresolved alerts, the same the alerts service gives
    overview = api.get("/overview").json()
    assert _ids(overview["alerts"], "alert_id") == _ids(alerts, "alert_id")[:5]

    first = alerts[0]["alert_id"]
    detail = api.get(f"/alerts/{first}").json()
    assert detail["history"] == expected["history"] and detail["state"] == "open"
    acked = api.post(f"/alerts/{first}/acknowledge", json={"note": "looking"})
    assert acked.status_code == 200, acked.text
    assert acked.json()["state"] == "acknowledged" and acked.json()["acknowledged_by"] == "local"
    assert acked.json()["history"][-1]["detail"] == {"note": "looking"}
    _problem(api.post(f"/alerts/{first}/acknowledge"), 400)  # only open alerts
    assert api.get(f"/alerts/{first}").json()["state"] == "acknowledged"  # cache moved on
    done = api.post(f"/alerts/{first}/resolve", json={"note": "fixed the hub"}).json()
    assert done["state"] == "resolved" and done["resolution_note"] == "fixed the hub"
    assert [h["to_state"] for h in done["history"]][-2:] == ["acknowledged", "resolved"]
    _problem(api.post(f"/alerts/{first}/resolve"), 400)
    assert first not in _ids(api.get("/overview").json()["alerts"], "alert_id")
    assert first in _ids(api.get("/alerts", params={"state": "resolved"}).json(), "alert_id")
    _problem(api.get("/alerts/999999"), 404)
    _problem(api.post("/alerts/999999/acknowledge"), 404)
    _problem(api.get("/alerts", params={"state": "closed"}), 422, "state")
    _problem(api.post(f"/alerts/{first}/resolve", json={"nope": 1}), 422, "nope")


def test_rules_channels_and_evaluation(api: httpx.Client, monkeypatch: Any) -> None:
    rule = {
        "name": "warehouse late",
        "kind": "threshold",
        "severity": "medium",
        "params": {"outcome": "late", "above": 0.99, "group_by": "warehouse_id"},
    }
    made = api.post("/alert-rules", json=rule)
    assert made.status_code == 201, made.text
    assert made.json()["params"]["above"] == 0.99 and made.json()["params"]["period"]
    names = _ids(api.get("/alert-rules").json(), "name")
    assert {"city failures", "warehouse late"} <= set(names)
    bad = _problem(api.post("/alert-rules", json={**rule, "params": {"above": 3}}), 422, "params")
    assert "above must be between 0 and 1" in bad["detail"]
    _problem(api.post("/alert-rules", json={**rule, "kind": "magic"}), 422, "kind")

    report = api.post("/alerts/evaluate")
    assert report.status_code == 200, report.text
    by_rule = {r["rule"]: r for r in report.json()["rules"]}
    assert by_rule["warehouse late"]["status"] == "evaluated"
    assert by_rule["warehouse late"]["firing"] == 0  # nobody is late 99% of the time
    assert by_rule["city failures"]["firing"] >= 1

    assert api.delete("/alert-rules/warehouse late").status_code == 204
    _problem(api.delete("/alert-rules/warehouse late"), 404)

    literal = {"name": "hook", "type": "webhook", "config": {"url": "https://example.org/h"}}
    literal_secret = {**literal, "config": {**literal["config"], "secret": "s3cret"}}
    refused = _problem(api.post("/alert-channels", json=literal_secret), 422, "config")
    assert "must reference a secret" in refused["detail"] and "s3cret" not in refused["detail"]
    assert api.get("/alert-channels").json() == []  # nothing was stored
    saved = api.post(
        "/alert-channels",
        json={**literal, "config": {**literal["config"], "secret": "env:DFRAS_HOOK_SECRET"}},
    )
    assert saved.status_code == 201, saved.text
    listed = api.get("/alert-channels").json()
    assert listed[0]["config"]["secret"] == "env:DFRAS_HOOK_SECRET"
    _problem(api.post("/alert-channels", json={**literal, "type": "pager"}), 422, "type")


def test_training_and_predictions(api: httpx.Client, server: Server, tmp_path: Path) -> None:
    before = api.get("/predictions")
    if before.status_code == 400:  # no model yet: the problem says what to do
        assert "model" in before.json()["detail"]
    job = _finish(api, api.post("/models", json={"until": "2025-06-01", "seed": 3}))
    assert job["status"] == "succeeded", job["error"]
    version = job["result"]["model_version"]
    models = api.get("/models").json()
    assert version in _ids(models, "model_version")
    shown = api.get(f"/models/{version}").json()
    assert shown["seed"] == 3 and shown["metrics"] == job["result"]["metrics"]
    assert api.get("/models/active").json()["model_version"] == version
    _problem(api.get("/models/v999"), 404)
    _problem(api.post("/models", json={"until": "yesterday"}), 422, "until")

    risk = api.get("/predictions", params={"top": 5, "min_probability": 0.0}).json()
    assert risk["model_version"] == version and 0 < len(risk["orders"]) <= 5
    probs = [o["probability"] for o in risk["orders"]]
    assert probs == sorted(probs, reverse=True)
    # the CLI, taking the store from the server meanwhile, ranks the same orders
    cli = subprocess.run(
        [*DFRAS, "--db", str(_db(server)), "predict", "--top", "5", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode == 0, cli.stderr
    assert _ids(json.loads(cli.stdout)["orders"], "order_id") == _ids(risk["orders"], "order_id")
    high = api.get("/predictions", params={"min_probability": probs[0]}).json()
    assert all(o["probability"] >= probs[0] for o in high["orders"])
    _problem(api.get("/predictions", params={"top": 0}), 422, "top")


def test_simulation_jobs_are_seeded_stored_and_capped(api: httpx.Client) -> None:
    body = {
        "type": "capacity",
        "parameters": {"warehouse": 1, "change": -0.3},
        "runs": 200,
        "seed": 4,
        "days": 14,
    }
    one = _finish(api, api.post("/simulations", json=body))
    assert one["status"] == "succeeded", one["error"]
    sim = one["result"]
    assert sim["type"] == "capacity" and sim["runs"] == 200 and sim["seed"] == 4
    stored = api.get(f"/simulations/{sim['scenario_id']}").json()
    assert stored["summary"] == sim["summary"] and stored["narrative"] == sim["narrative"]
    assert sim["scenario_id"] in _ids(api.get("/simulations").json(), "scenario_id")
    again = _finish(api, api.post("/simulations", json=body))["result"]
    assert again["scenario_id"] != sim["scenario_id"]
    assert again["summary"] == sim["summary"]  # the same seed draws the same runs

    _problem(api.get("/simulations/nope"), 404)
    _problem(api.get("/simulations/jobs/nope"), 404)
    _problem(api.post("/simulations", json={**body, "runs": 100_000}), 422, "runs")
    _problem(api.post("/simulations", json={**body, "parameters": {"speed": 2}}), 422, "parameters")
    _problem(api.post("/simulations", json={**body, "type": "meteor"}), 422, "type")

    bt = _finish(api, api.post("/simulations/backtest", json={"until": "2025-07-01", "runs": 200}))
    assert bt["status"] == "succeeded", bt["error"]
    result = bt["result"]
    assert result["cells"] > 0 and 0 <= result["coverage"] <= 1
    assert result["covered"] == round(result["coverage"] * result["cells"])


def _db(server: Server) -> Path:
    args = server.process.args
    assert isinstance(args, list)
    return Path(args[args.index("--db") + 1])


def test_alerts_written_by_the_cli_meanwhile_are_served(api: httpx.Client, server: Server) -> None:
    """The server lets go of the store for a CLI command; what that command wrote (a rule) is
    what the next request sees, not an answer cached before it."""
    before = _ids(api.get("/alert-rules").json(), "name")
    assert "cli rule" not in before
    added = subprocess.run(
        [*DFRAS, "--db", str(_db(server)), "alerts", "rules", "add", "cli rule",
         "--kind", "quality_drop", "--floor", "50"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert api.get("/ready").status_code == 200  # the server has the store open again
    assert "cli rule" in _ids(api.get("/alert-rules").json(), "name")
