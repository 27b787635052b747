"""Pattern rules over the ``pattern_detections`` contract: which detections alert, how they are
deduplicated across re-scans, and "not available" when the table is absent. Rows are written
here by hand so every case is exact; test_alert_pattern_scan.py runs a real scan."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from dfras.alerts import lifecycle, service
from dfras.alerts.rules import build_rule, save_rule

T0 = datetime(2026, 1, 5, 9, 0, 0)

CONTRACT = """CREATE TABLE IF NOT EXISTS pattern_detections (
  pattern_id VARCHAR PRIMARY KEY, pattern_name VARCHAR, pattern_type VARCHAR,
  pattern_description VARCHAR, pattern_confidence DOUBLE, pattern_frequency INTEGER,
  pattern_duration_days INTEGER, entity_column VARCHAR, entity_value VARCHAR, outcome VARCHAR,
  window_start DATE, window_end DATE, affected_entities VARCHAR, pattern_metrics VARCHAR,
  detection_algorithm VARCHAR, detection_parameters VARCHAR, created_at TIMESTAMP,
  updated_at TIMESTAMP)"""


def _detect(
    store: Any,
    pid: str,
    ptype: str,
    name: str,
    value: str,
    start: date,
    *,
    confidence: float = 0.99,
    metrics: dict[str, Any] | None = None,
) -> None:
    store.execute(
        "INSERT INTO pattern_detections VALUES "
        "(?, ?, ?, ?, ?, 1, 3, 'warehouse_id', ?, 'failure', ?, ?, '{}', ?, 'test', '{}', ?, ?)",
        [
            pid,
            name,
            ptype,
            f"{name} (described)",
            confidence,
            value,
            start,
            start + timedelta(days=2),
            json.dumps(metrics or {}),
            T0,
            T0,
        ],
    )


def _table(store: Any) -> None:
    store.execute(CONTRACT)
    store.execute("DELETE FROM pattern_detections")


def test_anomalies_each_window_its_own_alert(planted_store: Any) -> None:
    _table(planted_store)
    _detect(planted_store, "a1", "Anomaly", "failure burst at warehouse 1", "1", date(2025, 9, 1))
    _detect(planted_store, "a2", "Anomaly", "failure burst at warehouse 1", "1", date(2025, 8, 1))
    _detect(planted_store, "a3", "Anomaly", "weak", "2", date(2025, 9, 1), confidence=0.5)
    _detect(planted_store, "t1", "Trend", "failure worsening at warehouse 3", "3", date(2025, 6, 1))
    save_rule(
        planted_store,
        build_rule(
            name="bursts", kind="pattern", params={"pattern_type": "Anomaly", "min_confidence": 0.9}
        ),
    )
    report = service.evaluate(planted_store, now=T0)
    assert report.rules[0].firing == 2
    alerts = lifecycle.list_alerts(planted_store)
    assert sorted(a.figures["pattern_id"] for a in alerts) == ["a1", "a2"]
    assert all(a.entity == {"warehouse_id": "1"} for a in alerts)
    # a re-scan that no longer finds a2 resolves its alert only
    planted_store.execute("DELETE FROM pattern_detections WHERE pattern_id = 'a2'")
    report = service.evaluate(planted_store, now=T0 + timedelta(minutes=5))
    assert len(report.rules[0].resolved) == 1 and len(report.rules[0].updated) == 1


def test_recent_days_and_entity_filter(planted_store: Any) -> None:
    _table(planted_store)
    as_of = planted_store.fetchall("SELECT CAST(max(order_date) AS DATE) FROM delivery_fact")[0][0]
    _detect(planted_store, "new", "Anomaly", "n", "1", as_of - timedelta(days=3))
    _detect(planted_store, "old", "Anomaly", "o", "1", as_of - timedelta(days=60))
    _detect(planted_store, "other", "Anomaly", "x", "2", as_of - timedelta(days=3))
    save_rule(
        planted_store,
        build_rule(
            name="recent",
            kind="pattern",
            params={
                "pattern_type": "Anomaly",
                "recent_days": 7,
                "entity_column": "warehouse_id",
                "entity_value": 1,
            },
        ),
    )
    service.evaluate(planted_store, now=T0)
    assert [a.figures["pattern_id"] for a in lifecycle.list_alerts(planted_store)] == ["new"]


def test_a_trend_is_one_alert_across_rescans_and_improvements_are_skipped(
    planted_store: Any,
) -> None:
    _table(planted_store)
    worse = {"direction": "worsening"}
    _detect(planted_store, "t1", "Trend", "failure worsening at warehouse 3", "3",
            date(2025, 6, 1), metrics=worse)  # fmt: skip
    _detect(planted_store, "t2", "Trend", "failure improvement at warehouse 4", "4",
            date(2025, 6, 1), metrics={"direction": "improvement"})  # fmt: skip
    save_rule(
        planted_store, build_rule(name="trends", kind="pattern", params={"pattern_type": "Trend"})
    )
    assert service.evaluate(planted_store, now=T0).rules[0].firing == 1
    # the re-scan refines the start: a new pattern_id, the same ongoing trend
    planted_store.execute("DELETE FROM pattern_detections WHERE pattern_id = 't1'")
    _detect(planted_store, "t1b", "Trend", "failure worsening at warehouse 3", "3",
            date(2025, 6, 8), metrics=worse)  # fmt: skip
    report = service.evaluate(planted_store, now=T0 + timedelta(minutes=5))
    assert report.rules[0].opened == [] and len(report.rules[0].updated) == 1
    (alert,) = lifecycle.list_alerts(planted_store)
    assert alert.occurrences == 2 and alert.figures["pattern_id"] == "t1b"
    save_rule(
        planted_store,
        build_rule(
            name="trends",
            kind="pattern",
            params={"pattern_type": "Trend", "include_improvements": True},
        ),
    )
    assert service.evaluate(planted_store, now=T0 + timedelta(minutes=10)).rules[0].firing == 2


def test_no_table_is_not_available(planted_store: Any) -> None:
    _table(planted_store)
    _detect(planted_store, "a1", "Anomaly", "burst", "1", date(2025, 9, 1))
    save_rule(
        planted_store, build_rule(name="b", kind="pattern", params={"pattern_type": "Anomaly"})
    )
    service.evaluate(planted_store, now=T0)
    planted_store.execute("DROP TABLE pattern_detections")
    report = service.evaluate(planted_store, now=T0 + timedelta(minutes=5))
    assert report.rules[0].status == "not available"
    assert "no pattern detections" in report.rules[0].reason
    # it could not look, so the open alert stays open
    assert [a.state for a in lifecycle.list_alerts(planted_store)] == ["open"]
