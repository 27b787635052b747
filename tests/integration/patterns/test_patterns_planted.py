"""Planted causes are found: the storm window (anomaly + weather correlation), the slowing
warehouse (trend, start within a week), the Monday stockouts (recurring); and the store keeps
them (stable ids, upsert, removal of what the data no longer supports)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from dfras.patterns import service

ORDERS = 100_000
SEED = 5


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory, make_store: Any) -> Any:
    store, truth = make_store(tmp_path_factory.mktemp("planted"), orders=ORDERS, seed=SEED)
    result = service.scan(store, explain_top=1)
    yield store, {p["id"]: p for p in truth["planted"]}, result
    store.close()


def test_storm_window_is_an_anomaly_in_the_right_city_and_days(planted: Any) -> None:
    _, truth, result = planted
    storm = truth["city_storm"]
    city = storm["conditions"]["city"]
    start, end = (date.fromisoformat(storm["window"][k]) for k in ("start", "end"))
    hits = [
        d
        for d in result.detections
        if d.pattern_type == "Anomaly"
        and d.entity_column == "city"
        and d.entity_value == city
        and d.outcome == "failure"
    ]
    assert hits, "no failure anomaly in the storm city"
    best = hits[0]
    assert best.window_start is not None and best.window_end is not None
    assert abs((best.window_start - start).days) <= 1
    assert abs((best.window_end - end).days) <= 1
    m = best.metrics
    assert m["observed"] > m["expected"] * 2
    assert m["ci"][0] > 1
    # the explanation of the window names the weather: its failures' recorded reasons against
    # the city's usual mix
    first = m["explanation"]["reasons_against_usual"][0]
    assert first["reason"] == "Weather disruption" and first["p_value"] < 0.01
    assert "narrative" in m["explanation"]
    assert best.to_dict()["entity"] == {"city": city}


def test_storm_is_correlated_with_its_weather_event(planted: Any) -> None:
    store, truth, result = planted
    storm = truth["city_storm"]
    city = storm["conditions"]["city"]
    start = date.fromisoformat(storm["window"]["start"])
    temporal = [
        c
        for c in result.correlations
        if c.correlation_type == "Temporal" and c.city == city and c.primary_key == "Storm"
    ]
    assert temporal
    c = temporal[0]
    assert c.window_start is not None and abs((c.window_start - start).days) <= 1
    assert c.strength > 0.5 and c.confidence > 0.99
    assert c.evidence["event"]["share"] > 0.5
    graph = service.causal_chain(store, c.correlation_id)
    kinds = {n["kind"] for n in graph["nodes"]}
    assert {"event", "city", "route", "partner", "warehouse", "order"} <= kinds
    assert graph["failed_orders"] == c.evidence["test"]["observed_failures"]
    ids = {n["id"] for n in graph["nodes"]}
    assert all(e["source"] in ids and e["target"] in ids for e in graph["edges"])


def test_slowing_warehouse_is_a_trend_starting_within_a_week(planted: Any) -> None:
    _, truth, result = planted
    slow = truth["warehouse_slowdown"]
    wid = str(slow["conditions"]["warehouse_id"])
    start = date.fromisoformat(slow["window"]["start"])
    trends = [
        d
        for d in result.detections
        if d.pattern_type == "Trend" and d.entity_column == "warehouse_id" and d.entity_value == wid
    ]
    assert trends, "the slowing warehouse has no trend"
    t = trends[0]
    assert t.outcome == "late" and t.metrics["direction"] == "worsening"
    assert t.window_start is not None and abs((t.window_start - start).days) <= 7
    # dated by the picking minutes the slowdown acts on, with the fit's range of starts
    assert t.metrics["dated_by"] == "picking_minutes"
    low, high = (date.fromisoformat(d) for d in t.metrics["start_profile_interval"])
    assert low <= t.window_start <= high and (high - low).days <= 28
    assert t.metrics["stage_after"] > 2 * t.metrics["stage_before"]


def test_monday_stockouts_are_recurring(planted: Any) -> None:
    _, truth, result = planted
    monday = truth["monday_stockouts"]
    wid = str(monday["conditions"]["warehouse_id"])
    found = [
        d
        for d in result.detections
        if d.pattern_type == "Recurring"
        and d.entity_column == "warehouse_id"
        and d.entity_value == wid
        and d.metrics["cause"] == "Stockout"
    ]
    assert found
    assert found[0].frequency >= 4
    assert (found[0].metrics["weekday"] or {}).get("weekday") == "Monday"


def test_rescan_keeps_ids_and_created_at_and_drops_the_unsupported(planted: Any) -> None:
    store, _, _ = planted
    from dfras.patterns.records import Detection, save_detections

    before = {d.pattern_id: d.created_at for d in service.list_patterns(store)}
    assert before
    ghost = Detection(
        pattern_type="Anomaly", name="ghost", description="", entity_column="city",
        entity_value="Nowhere", outcome="failure", window_start=date(2025, 1, 1),
        window_end=date(2025, 1, 2), confidence=0.99, frequency=1, duration_days=2,
        metrics={}, algorithm="test", parameters={},
    )  # fmt: skip
    save_detections(store, [ghost])
    assert any(d.entity_value == "Nowhere" for d in service.list_anomalies(store))
    service.scan(store, explain_top=0)
    after = {d.pattern_id: (d.created_at, d.updated_at) for d in service.list_patterns(store)}
    assert set(after) == set(before)  # the ghost is gone, every real finding is kept
    assert all(after[k][0] == before[k] for k in before)
    assert all(after[k][1] is not None and after[k][1] >= before[k] for k in before)


def test_scope_filters_what_is_listed(planted: Any) -> None:
    store, truth, _ = planted
    from dfras.analysis.scope import make_scope

    city = truth["city_storm"]["conditions"]["city"]
    listed = service.list_anomalies(store, make_scope(city=city))
    assert listed and all(d.entity_column == "city" and d.entity_value == city for d in listed)
    window = truth["city_storm"]["window"]
    in_window = service.list_patterns(
        store, make_scope(start=window["start"], end=window["end"]), types=["Anomaly"]
    )
    assert all(
        d.window_start is not None
        and d.window_end is not None
        and d.window_start.isoformat() <= window["end"]
        and d.window_end.isoformat() >= window["start"]
        for d in in_window
    )
    with pytest.raises(Exception, match="unknown pattern type"):
        service.list_patterns(store, types=["Weird"])


def test_unknown_cities_are_marked(tmp_path: Path) -> None:
    from dfras.patterns.gazetteer import coordinates, distance_km, locate

    assert locate(["Atlantis-on-Sea"])["Atlantis-on-Sea"]["location"] == "unknown location"
    mumbai, pune = coordinates("Mumbai"), coordinates("Pune")
    assert mumbai and pune
    assert 100 < distance_km(mumbai, pune) < 140
    assert coordinates("bangalore") == coordinates("Bengaluru")


def test_cli_json_last(planted: Any) -> None:
    """Runs last in this module: closes the fixture's store and reads it through the CLI."""
    import subprocess
    import sys

    store, truth, _ = planted
    db = store.location
    store.close()
    dfras = str(Path(sys.executable).parent / "dfras")

    def run(*args: str) -> Any:
        done = subprocess.run(
            [dfras, "--db", db, *args], capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    city = truth["city_storm"]["conditions"]["city"]
    found = run("anomalies", "--city", city, "--format", "json")
    assert found and found[0]["entity"] == {"city": city}
    assert {"start", "end"} == set(found[0]["window"])
    assert {"observed", "expected", "ci", "p_value", "q_value"} <= set(found[0]["metrics"])
    wid = truth["warehouse_slowdown"]["conditions"]["warehouse_id"]
    trends = run("patterns", "--type", "trend", "--warehouse", str(wid), "--format", "json")
    assert trends and trends[0]["entity"] == {"warehouse_id": wid}
    corr = run("correlations", "--type", "temporal", "--format", "json")
    graph = run("correlations", "--graph", corr[0]["correlation_id"])
    assert graph["nodes"] and graph["edges"]
    bad = subprocess.run([dfras, "--db", db, "correlations", "--graph", "nope"],
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    assert bad.returncode == 1 and "no correlation" in bad.stderr
