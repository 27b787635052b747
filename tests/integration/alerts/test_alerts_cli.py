"""The `dfras alerts` and `dfras monitor` commands: a rules file, secrets never printed,
monitor --once (through the console script) and scheduled ticks delivering to a real receiver,
ack/resolve, JSON output, bad input, and evaluation after `dfras ingest`. Most calls go through
the CLI's real entry point in-process (``main`` with its exit codes), to keep the suite fast."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from alerts_support import SECRET, HttpReceiver, fresh_copy

from dfras.cli.app import main
from dfras.generate import generate

DFRAS = str(Path(sys.executable).parent / "dfras")


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture(autouse=True)
def _cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DFRAS_TEST_HOOK_SECRET", SECRET)
    monkeypatch.setenv("COLUMNS", "200")
    _capture["capsys"] = capsys
    _capture["monkeypatch"] = monkeypatch


_capture: dict[str, Any] = {}


def run(db: Path, *args: str) -> Done:
    """``dfras --db DB ARGS`` through ``main``: output, errors and the exit code."""
    capsys, monkeypatch = _capture["capsys"], _capture["monkeypatch"]
    capsys.readouterr()
    monkeypatch.setattr(sys, "argv", ["dfras", "--db", str(db), *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return Done(code, out.out, out.err)


def ok(db: Path, *args: str) -> Any:
    done = run(db, *args, "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _rules_file(folder: Path, url: str) -> Path:
    path = folder / "alerts.yaml"
    path.write_text(
        f"""
channels:
  - name: ops-hook
    type: webhook
    url: {url}
    secret: env:DFRAS_TEST_HOOK_SECRET
rules:
  - name: failures-by-client
    kind: threshold
    severity: high
    outcome: failure
    above: 0.15
    period: past 365 days
    group_by: client_id
    min_volume: 50
    channels: [ops-hook]
"""
    )
    return path


def test_rules_file_monitor_ack_resolve(
    planted_db: tuple[Path, dict[str, Any]], tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    db = fresh_copy(planted_db[0], tmp_path)
    loaded = ok(db, "alerts", "rules", "load", str(_rules_file(tmp_path, http_receiver.url)))
    assert [r["name"] for r in loaded["rules"]] == ["failures-by-client"]
    channels = run(db, "alerts", "channels", "list", "--format", "json")
    assert SECRET not in channels.stdout
    assert json.loads(channels.stdout)[0]["config"]["secret"] == "env:DFRAS_TEST_HOOK_SECRET"
    assert SECRET not in run(db, "alerts", "channels", "list").stdout

    env = {**os.environ, "DFRAS_TEST_HOOK_SECRET": SECRET}
    script = subprocess.run(
        [DFRAS, "--db", str(db), "monitor", "--once", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert script.returncode == 0, script.stderr
    tick = json.loads(script.stdout)
    assert tick["delivery"]["delivered"] == 1
    assert len(http_receiver.received) == 1 and http_receiver.received[0].verified

    (alert,) = ok(db, "alerts")
    assert alert["state"] == "open" and alert["severity"] == "high"
    assert alert["entity"] == {"client_id": int(alert["entity"]["client_id"])}
    ok(db, "alerts", "ack", str(alert["alert_id"]), "--by", "asha")
    assert ok(db, "alerts", "--state", "open") == []
    (acked,) = ok(db, "alerts", "--state", "acknowledged")
    assert acked["acknowledged_by"] == "asha"
    ok(db, "alerts", "resolve", str(alert["alert_id"]), "--by", "asha", "--note", "fixed")
    shown = ok(db, "alerts", "show", str(alert["alert_id"]))
    assert [e["event"] for e in shown["history"]] == [
        "opened",
        "delivered",
        "acknowledged",
        "resolved",
    ]
    assert shown["deliveries"][0]["status"] == "delivered"
    table = run(db, "alerts")
    assert table.returncode == 0 and "failures-by-client" in table.stdout

    # two scheduled ticks (APScheduler): the resolved problem re-opens once, then is updated
    done = run(db, "monitor", "--interval", "0.5", "--ticks", "2", "--format", "json")
    assert done.returncode == 0, done.stderr
    ticks = [json.loads(chunk) for chunk in done.stdout.replace("}\n{", "}\0{").split("\0")]
    assert len(ticks) == 2
    assert [len(t["rules"][0]["opened"]) for t in ticks] == [1, 0]
    assert [len(t["rules"][0]["updated"]) for t in ticks] == [0, 1]
    assert len(http_receiver.received) == 2
    assert http_receiver.received[1].json()["event"] == "alert.reopened"


def test_rules_add_list_remove_and_bad_input(tmp_path: Path) -> None:
    db = tmp_path / "empty.duckdb"
    ok(db, "alerts", "rules", "add", "q", "--kind", "quality_drop", "--floor", "80")
    ok(db, "alerts", "rules", "add", "late-mumbai", "--kind", "threshold", "--outcome", "late",
       "--above", "0.3", "--city", "Mumbai", "--severity", "critical")  # fmt: skip
    listed = ok(db, "alerts", "rules", "list")
    assert [r["name"] for r in listed] == ["late-mumbai", "q"]
    assert listed[0]["params"]["scope"] == {"city": ["Mumbai"]}
    ok(db, "alerts", "rules", "remove", "q")
    assert [r["name"] for r in ok(db, "alerts", "rules", "list")] == ["late-mumbai"]

    bad = run(db, "alerts", "rules", "add", "x", "--kind", "threshold", "--outcome", "delay",
              "--above", "1")  # fmt: skip
    assert bad.returncode == 1 and "outcome must be one of" in bad.stderr
    bad = run(db, "alerts", "rules", "add", "x", "--kind", "quality_drop", "--above", "1")
    assert bad.returncode == 1 and "unknown setting(s) above" in bad.stderr
    bad = run(db, "alerts", "channels", "add", "h", "--type", "webhook", "--url",
              "http://127.0.0.1:9/x", "--secret", "hunter2")  # fmt: skip
    assert bad.returncode == 1 and "must reference a secret" in bad.stderr
    assert "hunter2" not in bad.stderr
    bad = run(db, "alerts", "ack", "99")
    assert bad.returncode == 1 and "no alert with id 99" in bad.stderr
    # nothing to evaluate on an empty store: said, not an error
    report = ok(db, "alerts", "evaluate")
    assert report["rules"][0]["status"] == "not available"


def test_ingest_evaluates_and_a_down_receiver_does_not_fail_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    generate(data, orders=2_000, seed=5)
    db = tmp_path / "s.duckdb"
    ok(db, "alerts", "channels", "add", "dead", "--type", "webhook", "--url",
       "http://127.0.0.1:9/hook", "--secret", "env:DFRAS_TEST_HOOK_SECRET")  # fmt: skip
    ok(db, "alerts", "rules", "add", "any-failure", "--kind", "threshold", "--outcome",
       "failure", "--above", "0.01", "--period", "past 90 days")  # fmt: skip
    report = ok(db, "ingest", str(data), "--defer-causes")
    assert report["alerts"]["rules"][0]["opened"] == [1]
    assert len(report["alerts"]["delivery"]["retrying"]) == 1
    (delivery,) = ok(db, "alerts", "deliveries")
    assert delivery["status"] == "pending" and delivery["attempts"] == 1
    assert "cannot reach" in delivery["last_error"]


def test_monitor_refuses_a_missing_store(tmp_path: Path) -> None:
    done = run(tmp_path / "nowhere.duckdb", "monitor", "--once")
    assert done.returncode == 1 and "no store at" in done.stderr
    assert not (tmp_path / "nowhere.duckdb").exists()


def test_channels_test_sends_now_and_reports_failure(
    tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    db = tmp_path / "s.duckdb"
    ok(db, "alerts", "channels", "add", "hook", "--type", "webhook", "--url", http_receiver.url,
       "--secret", "env:DFRAS_TEST_HOOK_SECRET")  # fmt: skip
    sent = ok(db, "alerts", "channels", "test", "hook")
    assert sent["receipt"] == "HTTP 200"
    (got,) = http_receiver.received
    assert got.verified and got.json()["event"] == "alert.test"
    ok(db, "alerts", "channels", "add", "dead", "--type", "slack", "--url", "http://127.0.0.1:9/x")
    failed = run(db, "alerts", "channels", "test", "dead")
    assert failed.returncode == 1 and "cannot reach" in failed.stderr
    assert ok(db, "alerts", "deliveries") == []
