"""The public API of dfras.generate: validation, summary, progress, determinism."""

from __future__ import annotations

import csv
import hashlib
from datetime import date
from pathlib import Path

import pytest

from dfras.generate import SCENARIOS, GenerationSummary, generate

FILES = (
    "orders.csv",
    "clients.csv",
    "warehouses.csv",
    "drivers.csv",
    "warehouse_logs.csv",
    "fleet_logs.csv",
    "external_factors.csv",
    "feedback.csv",
    "truth_orders.csv",
    "truth.json",
)


def _digests(folder: Path) -> dict[str, str]:
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in FILES}


def test_scenarios_has_default_and_null() -> None:
    assert {"default", "null"} <= set(SCENARIOS)
    assert all(isinstance(text, str) and text for text in SCENARIOS.values())


def test_same_inputs_give_byte_identical_files(tmp_path: Path) -> None:
    generate(tmp_path / "a", orders=3000, seed=11)
    generate(tmp_path / "b", orders=3000, seed=11)
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")


def test_null_scenario_is_deterministic_too(tmp_path: Path) -> None:
    generate(tmp_path / "a", orders=2000, seed=5, scenario="null")
    generate(tmp_path / "b", orders=2000, seed=5, scenario="null")
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")


def test_different_seed_or_span_gives_different_files(tmp_path: Path) -> None:
    generate(tmp_path / "a", orders=3000, seed=11)
    generate(tmp_path / "b", orders=3000, seed=12)
    generate(tmp_path / "c", orders=3000, seed=11, end=date(2025, 8, 31))
    a, b, c = (_digests(tmp_path / x) for x in "abc")
    assert a["orders.csv"] != b["orders.csv"]
    assert a["truth.json"] != b["truth.json"]
    assert a["orders.csv"] != c["orders.csv"]


def test_summary_and_progress(tmp_path: Path) -> None:
    calls: list[tuple[str, float]] = []
    summary = generate(
        tmp_path, orders=1000, seed=3, progress=lambda stage, f: calls.append((stage, f))
    )
    assert isinstance(summary, GenerationSummary)
    assert summary.out_dir == tmp_path
    assert (summary.orders, summary.seed, summary.scenario) == (1000, 3, "default")
    assert summary.planted == 9
    assert summary.seconds >= 0
    assert summary.rows["orders"] == 1000
    assert set(summary.rows) == {f[:-4] for f in FILES if f.endswith(".csv")}
    for name, count in summary.rows.items():
        lines = (tmp_path / f"{name}.csv").read_bytes().count(b"\n")
        assert lines >= count + 1  # header + rows (+ embedded newlines)
    fractions = [f for _, f in calls]
    assert fractions == sorted(fractions)
    assert fractions[0] == 0.0 and fractions[-1] == 1.0


def test_unknown_scenario_lists_valid_names(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="default") as info:
        generate(tmp_path, orders=100, seed=1, scenario="nope")
    assert "null" in str(info.value)
    assert not (tmp_path / "orders.csv").exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"orders": 0, "seed": 1}, "orders"),
        ({"orders": 10, "seed": -1}, "seed"),
        ({"orders": 10, "seed": 1, "start": date(2025, 2, 1), "end": date(2025, 1, 1)}, "before"),
    ],
)
def test_invalid_inputs(tmp_path: Path, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        generate(tmp_path, **kwargs)


@pytest.mark.parametrize("orders", [1, 7, 60, 499])
def test_tiny_runs_work(tmp_path: Path, orders: int) -> None:
    summary = generate(tmp_path, orders=orders, seed=2)
    assert summary.rows["orders"] == orders
    assert summary.rows["warehouses"] == max(10, orders // 10)
    assert summary.rows["clients"] == max(5, orders // 20)
    assert summary.rows["drivers"] == max(10, orders // 5)


def test_short_span(tmp_path: Path) -> None:
    summary = generate(tmp_path, orders=500, seed=2, start=date(2025, 3, 1), end=date(2025, 3, 2))
    assert summary.rows["orders"] == 500
    with (tmp_path / "orders.csv").open(newline="") as f:
        days = {row["order_date"][:10] for row in csv.DictReader(f)}
    assert days == {"2025-03-01", "2025-03-02"}
