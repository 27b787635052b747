"""Rules on generated data: a planted cause's entity crosses a threshold, the null scenario
trips nothing; the quality-drop and at-risk rules on real tables."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from alerts_support import fresh_copy

from dfras.alerts import lifecycle, service
from dfras.alerts.rules import build_rule, save_rule
from dfras.store import open_store

T0 = datetime(2026, 1, 5, 9, 0, 0)
GROUPS = ("client_id", "warehouse_id")


def _entity_rules(store: Any) -> None:
    for group in GROUPS:
        save_rule(
            store,
            build_rule(
                name=f"failure-by-{group}",
                kind="threshold",
                params={
                    "outcome": "failure",
                    "above": 0.15,
                    "period": "past 365 days",
                    "group_by": group,
                    "min_volume": 50,
                },
            ),
        )


def _planted(truth: dict[str, Any], group: str) -> set[str]:
    """Entities whose failure rate the generator multiplied (not only a cause's share)."""
    return {
        str(p["conditions"][group])
        for p in truth["planted"]
        if p["outcome"] == "failure"
        and p["effect"]["applies_to"] == "outcome"
        and p["effect"]["value"] >= 3
        and list(p["conditions"]) == [group]
        and p["window"] is None
    }


def test_planted_entities_cross_the_threshold(
    planted_db: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    path, truth = planted_db
    store = open_store(str(fresh_copy(path, tmp_path)))
    try:
        _entity_rules(store)
        service.evaluate(store, now=T0)
        alerts = lifecycle.list_alerts(store)
    finally:
        store.close()
    for group in GROUPS:
        fired = {str(a.entity[group]) for a in alerts if group in a.entity}
        expected = _planted(truth, group)
        assert expected, f"the generator planted no {group} failure cause"
        assert fired == expected, group
    for a in alerts:
        f = a.figures
        assert f["ci_low"] > 0.15 and f["orders"] >= 50
        assert abs(f["rate"] - f["events"] / f["orders"]) < 1e-12


def test_null_scenario_trips_nothing(null_db: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    store = open_store(str(fresh_copy(null_db[0], tmp_path)))
    try:
        _entity_rules(store)
        report = service.evaluate(store, now=T0)
        assert [r.status for r in report.rules] == ["evaluated", "evaluated"]
        assert all(r.observed["orders"] > 9000 for r in report.rules)
        assert lifecycle.list_alerts(store) == []
    finally:
        store.close()


def test_minimum_volume_holds_back_small_groups(planted_store: Any) -> None:
    save_rule(
        planted_store,
        build_rule(
            name="drivers",
            kind="threshold",
            params={
                "outcome": "failure",
                "above": 0.0,
                "basis": "point",
                "period": "past 365 days",
                "group_by": "driver_id",
                "min_volume": 10_000,
            },
        ),
    )
    report = service.evaluate(planted_store, now=T0)
    assert report.rules[0].firing == 0


def test_count_metric(planted_store: Any) -> None:
    def rule(above: float) -> Any:
        save_rule(
            planted_store,
            build_rule(
                name="count",
                kind="threshold",
                params={
                    "outcome": "failure",
                    "metric": "count",
                    "above": above,
                    "period": "past 30 days",
                },
            ),
        )
        return service.evaluate(planted_store, now=T0).rules[0]

    observed = rule(1e9).observed
    failed = observed["failed orders"]
    (direct,) = planted_store.fetchall(
        """SELECT count(*) FROM delivery_fact WHERE is_failed AND CAST(order_date AS DATE)
           BETWEEN CAST(? AS DATE) - 29 AND CAST(? AS DATE)""",
        [observed["as_of"], observed["as_of"]],
    )[0]
    assert failed == direct > 0
    assert rule(failed - 1).firing == 1
    assert rule(failed).firing == 0


def test_quality_drop(planted_db: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    path, _ = planted_db
    store = open_store(str(fresh_copy(path, tmp_path)))
    try:
        save_rule(store, build_rule(name="quality", kind="quality_drop", params={"drop": 5}))
        first = service.evaluate(store, now=T0)
        score = first.rules[0].observed["score"]
        assert first.rules[0].firing == 0 and first.rules[0].observed["baseline"] is None
        # a batch whose rows were mostly refused pulls the score down
        store.execute(
            """INSERT INTO ingest_batches (batch_id, domain, source_file, rows_read,
                 rows_accepted, rows_warned, rows_quarantined, started_at, finished_at)
               VALUES ('bad', 'orders', 'bad.csv', 20000, 1000, 0, 19000, now(), now())"""
        )
        second = service.evaluate(store, now=T0 + timedelta(minutes=5))
        assert second.rules[0].firing == 1
        assert second.rules[0].observed["baseline"] == score
        (alert,) = lifecycle.list_alerts(store)
        assert "down" in alert.title and alert.figures["score"] < score - 5
        # still low: the same alert, measured from the same healthy baseline
        third = service.evaluate(store, now=T0 + timedelta(minutes=10))
        assert third.rules[0].updated == [alert.alert_id]
        store.execute("DELETE FROM ingest_batches WHERE batch_id = 'bad'")
        fourth = service.evaluate(store, now=T0 + timedelta(minutes=15))
        assert fourth.rules[0].resolved == [alert.alert_id]
    finally:
        store.close()


def test_at_risk_on_the_predictions_contract(planted_store: Any) -> None:
    if not planted_store.table_exists("order_predictions"):
        planted_store.execute(
            """CREATE TABLE order_predictions (order_id BIGINT, model_version TEXT,
                 probability DOUBLE, top_factors TEXT, predicted_at TIMESTAMP, data_version TEXT)"""
        )
    planted_store.execute("DELETE FROM order_predictions")
    # every open order predicted twice: an old high score, superseded by the latest
    planted_store.execute(
        """INSERT INTO order_predictions
           SELECT order_id, 'm1', 0.99, '[]', TIMESTAMP '2025-01-01', '1' FROM delivery_fact
           UNION ALL
           SELECT order_id, 'm2', CASE WHEN order_id % 4 = 0 THEN 0.8 ELSE 0.1 END, '[]',
                  TIMESTAMP '2025-02-01', '2' FROM delivery_fact"""
    )
    (expected,) = planted_store.fetchall(
        "SELECT count(*) FROM delivery_fact WHERE is_open AND order_id % 4 = 0"
    )[0]
    assert expected > 0
    save_rule(
        planted_store,
        build_rule(name="risk", kind="at_risk", params={"probability": 0.7, "count": expected}),
    )
    report = service.evaluate(planted_store, now=T0)
    assert report.rules[0].observed["open_orders_at_risk"] == expected
    (alert,) = lifecycle.list_alerts(planted_store)
    assert all(r["probability"] == 0.8 for r in alert.figures["riskiest"])
    save_rule(
        planted_store,
        build_rule(name="risk", kind="at_risk", params={"probability": 0.7, "count": expected + 1}),
    )
    report = service.evaluate(planted_store, now=T0)
    assert report.rules[0].resolved == [alert.alert_id]
