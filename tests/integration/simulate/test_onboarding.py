"""Question 6: 20,000 extra monthly orders in one city push its warehouses over capacity."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from dfras.ask.service import ask
from dfras.simulate.scenarios import CauseRate, NewClient
from dfras.simulate.service import simulate

QUESTION = (
    "If we onboard Client Y with ~20,000 extra monthly orders in Chennai, what new failure "
    "risks should we expect and how do we mitigate them?"
)


def _chennai_warehouses(store: Any) -> set[int]:
    rows = store.fetchall(
        "SELECT DISTINCT warehouse_id FROM delivery_fact "
        "WHERE city = 'Chennai' AND warehouse_id IS NOT NULL"
    )
    return {int(r[0]) for r in rows}


def test_onboarding_overloads_the_city_and_ranks_mitigations(sim_store: Any) -> None:
    sim = simulate(
        sim_store, NewClient(monthly_orders=20_000, cities={"Chennai": 1.0}), runs=1000, seed=1
    )
    chennai = _chennai_warehouses(sim_store)
    over = {c["warehouse_id"] for c in sim.capacity if c["p_over_capacity"] >= 0.5}
    assert over == chennai  # every Chennai warehouse, and no other
    new = {r["name"] for r in sim.risks if r["kind"] == "over capacity"}
    assert new == {str(w) for w in chennai}
    # the city's failed and late orders rise, with intervals above zero
    city = next(r for r in sim.summary["by_city"] if r["name"] == "Chennai")
    assert city["late"]["delta_p05"] > 0 and city["failed"]["delta_p05"] > 0
    other = next(r for r in sim.summary["by_city"] if r["name"] == "Pune")
    assert other["orders"]["delta_p05"] <= 0 <= other["orders"]["delta_p95"]
    # mitigations are ranked by effect; adding capacity where it runs out helps most
    avoided = [m["avoided_mean"] for m in sim.mitigations]
    assert avoided == sorted(avoided, reverse=True)
    assert sim.mitigations[0]["name"].startswith("add capacity")
    assert sim.mitigations[0]["still_over_capacity"] == []
    assert sim.mitigations[0]["avoided_p05"] > 0
    # stored: the scenario row and its quantiles
    row = sim_store.fetchall(
        "SELECT type, runs, seed, parameters FROM simulation_scenarios WHERE scenario_id = ?",
        [sim.scenario_id],
    )[0]
    assert row[:3] == ("new-client", 1000, 1)
    assert json.loads(row[3])["monthly_orders"] == 20_000
    n = sim_store.fetchall(
        "SELECT count(*) FROM monte_carlo_results WHERE scenario_id = ? AND level = 'city'",
        [sim.scenario_id],
    )[0][0]
    assert n == 4 * len(sim.summary["by_city"])


def test_ask_names_the_warehouses_and_the_best_mitigation(sim_store: Any) -> None:
    answer = ask(sim_store, QUESTION)
    assert answer.understood.intent == "simulate"
    sim = answer.analysis
    assert sim.parameters["monthly_orders"] == 20_000
    assert sim.parameters["cities"] == {"Chennai": 1.0}
    for wid in _chennai_warehouses(sim_store):
        name = next(c["name"] for c in sim.capacity if c["warehouse_id"] == wid)
        assert f"{name} (Chennai)" in answer.narrative
    assert sim.mitigations[0]["action"] in answer.narrative
    assert "go over capacity" in answer.narrative


def test_cause_rate_unchanged_is_exactly_the_baseline(sim_store: Any) -> None:
    same = simulate(sim_store, CauseRate(cause="Stockout", factor=1.0), runs=200, save=False)
    assert same.summary["total"]["failed"]["delta_mean"] == 0
    halved = simulate(
        sim_store, CauseRate(cause="address not found", factor=0.0), runs=400, save=False
    )
    assert halved.summary["total"]["failed"]["delta_p95"] < 0


def test_cli_json_and_bad_names(sim_store_files: dict[int, Path]) -> None:
    dfras = [sys.executable, "-m", "dfras", "--db", str(sim_store_files[2])]
    ok = subprocess.run(
        [*dfras, "simulate", "capacity", "--warehouse", "1", "--change", "+20%",
         "--runs", "300", "--format", "json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    data = json.loads(ok.stdout)
    assert data["type"] == "capacity" and data["parameters"] == {"warehouse": 1, "change": 0.2}
    assert set(data["summary"]["total"]) == {"orders", "failed", "returned", "late"}
    bad = subprocess.run(
        [*dfras, "simulate", "new-client", "--monthly-orders", "100", "--city", "Atlantis"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert bad.returncode == 1
    assert "no city named 'Atlantis'" in bad.stderr
