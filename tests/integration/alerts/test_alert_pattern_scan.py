"""Pattern rules against a real pattern scan (dfras.patterns): the monitor's tick re-runs a
stale scan, the planted recurring causes alert, the null scenario's scan alerts nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from alerts_support import fresh_copy

from dfras.alerts import lifecycle, service
from dfras.alerts.rules import build_rule, save_rule
from dfras.store import open_store

T0 = datetime(2026, 1, 5, 9, 0, 0)


def _rule(store: Any) -> None:
    save_rule(
        store,
        build_rule(
            name="recurring",
            kind="pattern",
            params={"pattern_type": "Recurring", "min_confidence": 0.9, "outcome": "failure"},
        ),
    )


def test_planted_recurring_causes_alert_after_the_tick_scans(
    planted_store: Any, planted_db: tuple[Path, dict[str, Any]]
) -> None:
    truth = planted_db[1]
    _rule(planted_store)
    # the generated store was imported with the scan deferred: nothing stored yet, and stale
    first = service.evaluate(planted_store, now=T0)
    assert first.rules[0].observed == {"detections": 0, "scan_current": False}
    report = service.tick(planted_store, now=T0 + timedelta(minutes=1))
    assert report.rules[0].observed["scan_current"] is True
    (expected,) = planted_store.fetchall(
        """SELECT count(*) FROM pattern_detections WHERE pattern_type = 'Recurring'
           AND outcome = 'failure' AND pattern_confidence >= 0.9"""
    )[0]
    assert report.rules[0].firing == expected > 0
    alerted = {
        (col, str(val))
        for a in lifecycle.list_alerts(planted_store)
        for col, val in a.entity.items()
    }
    # the generator's single-entity causes that multiply the failure rate (no time window)
    # recur, and alert
    planted = {
        (col, str(val))
        for p in truth["planted"]
        if p["outcome"] == "failure"
        and p["window"] is None
        and p["effect"]["applies_to"] == "outcome"
        and p["effect"]["value"] >= 3
        for col, val in p["conditions"].items()
        if len(p["conditions"]) == 1
    }
    assert planted and planted <= alerted
    # the next tick does not rescan (the scan is current) and only updates
    again = service.tick(planted_store, now=T0 + timedelta(minutes=2))
    assert again.opened == 0 and len(again.rules[0].updated) == expected
    assert {a.occurrences for a in lifecycle.list_alerts(planted_store)} == {2}


def test_null_scenario_scan_alerts_nothing(
    null_db: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    store = open_store(str(fresh_copy(null_db[0], tmp_path)))
    try:
        _rule(store)
        save_rule(
            store,
            build_rule(name="bursts", kind="pattern", params={"pattern_type": "Anomaly"}),
        )
        report = service.tick(store, now=T0)
        assert [r.status for r in report.rules] == ["evaluated", "evaluated"]
        assert all(r.observed["scan_current"] for r in report.rules)
        assert lifecycle.list_alerts(store) == []
    finally:
        store.close()
