"""``ask`` on the public sample data: the six canonical questions, end to end.

The sample's outcomes are drawn independently of every attribute, so an honest answer to each
"why" is "no significant cause found"; the periods are read on the data's own clock (the latest
order_date, 2025-09-12).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dfras.ask.service import ask
from dfras.ingest.service import ingest_paths
from dfras.store import open_store

DFRAS = Path(sys.executable).parent / "dfras"
TOP_KEYS = {"question", "as_of", "understood", "analysis", "narrative", "simulation"}
EXPLAIN_KEYS = {"scope", "outcome", "support", "outcomes", "rate", "significant", "segments"}

Q1 = "Why were deliveries delayed in Chennai yesterday?"
Q2 = "Why did Saini LLC's orders fail in the past week?"
Q3 = "Explain the top reasons for delivery failures linked to Warehouse B in August."
Q4 = "Compare delivery failure causes between Mumbai and Pune last month."
Q5 = (
    "What are the likely causes of delivery failures during the festival period, and how "
    "should we prepare?"
)
Q6 = (
    "If we onboard Client Y with ~20,000 extra monthly orders, what new failure risks should "
    "we expect and how do we mitigate them?"
)


@pytest.fixture(scope="module")
def store_file(sample_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ask") / "sample.duckdb"
    store = open_store(str(path))
    try:
        ingest_paths(store, [sample_data])
    finally:
        store.close()
    return path


@pytest.fixture
def store(store_file: Path) -> Iterator[Any]:
    s = open_store(str(store_file))
    yield s
    s.close()


def answer(store: Any, question: str) -> dict[str, Any]:
    data = ask(store, question).to_dict()
    assert data.keys() == TOP_KEYS
    assert data["as_of"].startswith("2025-09-12")
    assert {"intent", "outcome", "scope", "period", "notes"} <= data["understood"].keys()
    return data


def period(data: dict[str, Any]) -> tuple[str, str, str]:
    p = data["understood"]["period"]
    return p["start"], p["end"], p["applies_to"]


def assert_no_cause(data: dict[str, Any]) -> None:
    analysis = data["analysis"]
    assert analysis.keys() >= EXPLAIN_KEYS
    assert analysis["significant"] is False
    assert analysis["segments"] == []
    assert "no significant cause found" in data["narrative"].lower()


def test_q1_delayed_in_a_city_yesterday(store: Any) -> None:
    data = answer(store, Q1)
    u = data["understood"]
    assert (u["intent"], u["outcome"], u["scope"]) == ("explain", "late", {"city": "Chennai"})
    assert period(data) == ("2025-09-11", "2025-09-11", "order_date")
    assert data["analysis"]["outcome"] == "late"
    assert_no_cause(data)


def test_q2_a_clients_failures_in_the_past_week(store: Any) -> None:
    data = answer(store, Q2)
    u = data["understood"]
    assert (u["intent"], u["outcome"], u["scope"]) == ("explain", "failure", {"client_id": 1})
    assert period(data) == ("2025-09-06", "2025-09-12", "order_date")
    assert_no_cause(data)


def test_q3_warehouse_b_in_august(store: Any) -> None:
    data = answer(store, Q3)
    u = data["understood"]
    assert (u["intent"], u["scope"]) == ("explain", {"warehouse_id": 2})
    assert period(data) == ("2025-08-01", "2025-08-31", "order_date")
    assert any("letter 2" in n for n in u["notes"])
    assert_no_cause(data)


def test_q4_compare_two_cities_last_month(store: Any) -> None:
    data = answer(store, Q4)
    u = data["understood"]
    assert (u["intent"], u["outcome"]) == ("compare", "failure")
    assert [s["scope"] for s in u["compare"]] == [{"city": "Mumbai"}, {"city": "Pune"}]
    assert period(data) == ("2025-08-01", "2025-08-31", "order_date")
    analysis = data["analysis"]
    assert {"scopes", "difference", "decomposition", "causes", "narrative"} <= analysis.keys()
    lo, hi = analysis["difference"]["ci"]
    assert lo <= 0 <= hi  # noise: the two cities do not differ significantly
    assert "not significantly different" in data["narrative"]


def test_q5_festival_period_and_how_to_prepare(store: Any) -> None:
    data = answer(store, Q5)
    u = data["understood"]
    assert (u["intent"], u["outcome"]) == ("festival", "failure")
    assert u["scope"] == {"event_type": "Festival"}
    assert u["period"] is None
    assert data["analysis"]["support"] > 0
    assert_no_cause(data)
    assert "How to prepare" in data["narrative"]
    # and the next festival in the calendar, simulated against today's operations
    sim = data["simulation"]
    assert sim["type"] == "festival" and sim["period"]["start"] > "2025-09-12"
    assert "What the next festival period may bring: Simulated" in data["narrative"]


def test_q6_onboarding_is_simulated(store: Any) -> None:
    data = answer(store, Q6)
    u = data["understood"]
    assert u["intent"] == "simulate"
    assert u["simulation"]["extra_orders"] == 20_000
    sim = data["analysis"]
    assert sim["type"] == "new-client" and sim["parameters"]["monthly_orders"] == 20_000
    # 20,000 extra orders a month on a sample of ~1,100 a month: warehouses run out
    assert any(c["p_over_capacity"] >= 0.5 for c in sim["over_capacity"])
    assert sim["mitigations"] and sim["mitigations"][0]["action"] in data["narrative"]
    assert "Simulated onboarding" in data["narrative"]


def test_cli_json(store_file: Path) -> None:
    env = {**os.environ, "COLUMNS": "1000", "NO_COLOR": "1"}
    env.pop("DFRAS_DB", None)
    run = subprocess.run(
        [str(DFRAS), "--db", str(store_file), "ask", Q1, "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data.keys() == TOP_KEYS
    assert data["understood"]["scope"] == {"city": "Chennai"}
    assert data["understood"]["period"]["start"] == "2025-09-11"
    assert data["analysis"]["significant"] is False

    bad = subprocess.run(
        [str(DFRAS), "--db", str(store_file), "ask", "Why were deliveries late in Springfield?"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert bad.returncode == 1
    assert "closest matches" in bad.stderr
