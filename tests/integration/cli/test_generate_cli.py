"""`dfras generate` and `dfras info` through the console script, JSON output included."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

DFRAS = str(Path(sys.executable).parent / "dfras")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([DFRAS, *args], capture_output=True, text=True, timeout=300)


def test_generate_json_then_ingest_and_info(tmp_path: Path) -> None:
    out = tmp_path / "data"
    gen = run("generate", str(out), "--orders", "2000", "--seed", "3", "--format", "json")
    assert gen.returncode == 0, gen.stderr
    summary = json.loads(gen.stdout)
    assert summary["orders"] == 2000
    assert summary["out_dir"] == str(out)
    assert summary["rows"]["orders"] == 2000
    db = str(tmp_path / "s.duckdb")
    ing = run("--db", db, "ingest", str(out), "--format", "json")
    assert ing.returncode == 0, ing.stderr
    info = json.loads(run("--db", db, "info", "--format", "json").stdout)
    assert info["tables"]["orders"] == 2000
    assert info["as_of"] is not None
    assert {b["domain"] for b in info["batches"]} == {
        "clients",
        "warehouses",
        "drivers",
        "orders",
        "warehouse_logs",
        "fleet_logs",
        "external_factors",
        "feedback",
    }


def test_generate_refuses_unknown_scenario(tmp_path: Path) -> None:
    r = run("generate", str(tmp_path / "x"), "--orders", "100", "--scenario", "nope")
    assert r.returncode == 1
    assert "unknown scenario" in r.stderr


def test_info_without_a_store_says_what_to_do(tmp_path: Path) -> None:
    r = run("--db", str(tmp_path / "missing.duckdb"), "info")
    assert r.returncode == 1
    assert "ingest" in r.stderr
