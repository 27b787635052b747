"""`dfras model train|list|show` and `dfras predict` through the console script, JSON output."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from dfras.store import open_store

DFRAS = str(Path(sys.executable).parent / "dfras")


def run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DFRAS, "--db", str(db), *args], capture_output=True, text=True, timeout=300
    )


def test_cli_train_list_show_predict_on_null_data(null_store: Any, tmp_path: Path) -> None:
    store, _ = null_store
    store.execute("CHECKPOINT")
    db = tmp_path / "copy.duckdb"  # one writer per DuckDB file: the CLI works on a copy
    shutil.copy(store.location, db)
    copy = open_store(str(db))
    copy.execute("DELETE FROM models")
    copy.execute("DELETE FROM model_performance")
    copy.close()

    missing = run(db, "predict", "--format", "json")
    assert missing.returncode == 1 and "dfras model train" in missing.stderr

    trained = run(db, "model", "train", "--seed", "7", "--format", "json")
    assert trained.returncode == 0, trained.stderr
    data = json.loads(trained.stdout)
    assert data["seed"] == 7 and not data["has_signal"] and data["model_version"] == "v1"
    assert {"train", "validation", "test"} <= set(data["metrics"])
    assert "auc" in data["metrics"]["test"] and data["importance"]["placement"]

    listed = json.loads(run(db, "model", "list", "--format", "json").stdout)
    assert [m["model_version"] for m in listed] == ["v1"] and listed[0]["status"] == "active"
    shown = run(db, "model", "show", "v1", "--format", "json")
    assert json.loads(shown.stdout)["metrics"] == data["metrics"]

    pred = run(db, "predict", "--top", "5", "--format", "json")
    assert pred.returncode == 0, pred.stderr
    report = json.loads(pred.stdout)
    assert not report["has_signal"] and "No predictive power" in report["message"]
    table = run(db, "predict", "--top", "3")
    assert "not ranked" in table.stdout and "No predictive power" in table.stdout

    bad = run(db, "model", "show", "v999")
    assert bad.returncode == 1 and "v999" in bad.stderr
    bad_until = run(db, "model", "train", "--until", "soon")
    assert bad_until.returncode == 1 and "--until" in bad_until.stderr
