"""`dfras lake export`, `dfras ingest --lake` and the engine options, through the console script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

DFRAS = str(Path(sys.executable).parent / "dfras")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([DFRAS, *args], capture_output=True, text=True, timeout=300, cwd=cwd)


def test_ingest_to_lake_then_export_again_rewrites_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run("generate", str(data), "--orders", "1500", "--seed", "4").returncode == 0
    db, lake = str(tmp_path / "s.duckdb"), tmp_path / "lake"
    ing = run("--db", db, "ingest", str(data), "--lake", str(lake), "--defer-causes")
    assert ing.returncode == 0, ing.stderr
    manifest = json.loads((lake / "manifest.json").read_text())
    assert manifest["tables"]["orders"]["rows"] == 1500
    again = run("--db", db, "--lake", str(lake), "lake", "export", "--format", "json")
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert report["rewritten"] == 0
    assert {t["table"]: t["rows"] for t in report["tables"]}["orders"] == 1500


def test_spark_engine_without_a_lake_is_a_user_error(tmp_path: Path) -> None:
    res = run("--engine", "spark", "explain", cwd=tmp_path)
    assert res.returncode == 1
    assert "--lake" in res.stderr


def test_spark_engine_on_a_folder_that_is_no_lake_says_so(tmp_path: Path) -> None:
    res = run("--engine", "spark", "--lake", str(tmp_path), "explain", cwd=tmp_path)
    assert res.returncode == 1
    assert "no lake at" in res.stderr


def test_lake_export_without_a_folder_is_a_user_error(tmp_path: Path) -> None:
    res = run("--db", str(tmp_path / "s.duckdb"), "lake", "export", cwd=tmp_path)
    assert res.returncode == 1
    assert "no lake folder" in res.stderr
