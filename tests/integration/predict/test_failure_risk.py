"""The failure-risk model on generated data: as good as the generator's own probabilities,
calibrated, registered; on no-cause data it says it has no predictive power."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dfras.predict.service import predict_open, show_model, train_model
from dfras.stats.scoring import auc_with_interval


@pytest.fixture(scope="module")
def trained(default_store: Any) -> Any:
    store, folder = default_store
    return store, folder, train_model(store, seed=0)


def _truth_auc(store: Any, folder: Path, test_from: str) -> float:
    truth = folder / "truth_orders.csv"
    rows = store.fetchall(
        f"""SELECT CASE WHEN f.is_failed THEN 1 ELSE 0 END, t.p_fail
            FROM delivery_fact f JOIN read_csv('{truth}') t USING (order_id)
            WHERE f.is_closed AND f.order_date >= CAST('{test_from}' AS TIMESTAMP)"""
    )
    y = np.array([r[0] for r in rows])
    p = np.array([float(r[1]) for r in rows])
    return auc_with_interval(y, p).estimate


def test_auc_matches_true_probabilities_and_is_calibrated(trained: Any) -> None:
    store, folder, result = trained
    model = result.model
    test = model.metrics["test"]
    true_auc = _truth_auc(store, folder, model.splits["test_from"])
    print(f"placement test AUC {test['auc']:.4f}, true-probability AUC {true_auc:.4f}")
    assert abs(test["auc"] - true_auc) <= 0.03
    assert test["calibration_error"] <= 0.03
    assert model.has_signal and model.splits["views"]["placement"]["has_signal"]
    # the dispatched view sees the logs' traces of the causes: it must do at least as well
    assert model.metrics["dispatched/test"]["auc"] >= test["auc"]


def test_registry_records_version_splits_and_metrics(trained: Any) -> None:
    store, _, result = trained
    shown = show_model(store, result.model.model_version)
    assert shown.seed == 0 and shown.status == "active"
    assert shown.splits["validation_from"] < shown.splits["test_from"]
    perf = store.fetchall(
        "SELECT data_split, performance_score, metrics FROM model_performance "
        "WHERE model_version = ? ORDER BY data_split",
        [shown.model_version],
    )
    splits = {r[0] for r in perf}
    assert {"train", "validation", "test", "dispatched/test"} <= splits
    for _, score, metrics in perf:
        m = json.loads(metrics)
        assert score == pytest.approx(m["auc"])
        for key in ("brier", "log_loss", "calibration_error", "precision_top5", "recall_top10"):
            assert key in m
    top = [r["feature"] for r in shown.importance["placement"][:5]]
    # the planted causes sit on warehouses and clients
    assert {"warehouse_id", "client_history_rate"} & set(top)


def test_predict_ranks_open_orders_with_factors(trained: Any) -> None:
    store, _, result = trained
    report = predict_open(store, top=10)
    assert report.has_signal and report.model_version == result.model.model_version
    probs = [o.probability for o in report.orders]
    assert probs == sorted(probs, reverse=True) and len(probs) == 10
    assert all(o.status in ("Pending", "In-Transit") for o in report.orders)
    assert all(o.top_factors and o.top_factors[0].contribution > 0 for o in report.orders)
    stored = store.fetchall(
        "SELECT count(*), count(DISTINCT model_version), min(probability), max(probability) "
        "FROM order_predictions"
    )[0]
    open_orders = store.fetchall("SELECT count(*) FROM delivery_fact WHERE is_open")[0][0]
    assert stored[0] == open_orders and stored[1] == 1
    assert 0 <= stored[2] < stored[3] < 1
    factors = json.loads(
        store.fetchall("SELECT top_factors FROM order_predictions ORDER BY probability DESC")[0][0]
    )
    assert {"feature", "value", "contribution"} <= set(factors[0])


def test_null_data_has_no_predictive_power(null_store: Any) -> None:
    store, _ = null_store
    result = train_model(store, seed=0)
    test = result.model.metrics["test"]
    print(f"null placement test AUC {test['auc']:.4f}")
    assert 0.45 <= test["auc"] <= 0.55
    assert 0.45 <= result.model.metrics["dispatched/test"]["auc"] <= 0.55
    assert not result.model.has_signal
    assert "No predictive power" in result.model.summary
    report = predict_open(store, top=50)
    assert not report.has_signal and "No predictive power" in report.message
    assert all(o.probability == pytest.approx(report.base_rate) for o in report.orders)
    assert all(not o.top_factors for o in report.orders)


def test_training_reads_a_bounded_sample_of_a_long_history(
    null_store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dfras.predict import service

    store, _ = null_store
    total = store.fetchall("SELECT count(*) FROM delivery_fact")[0][0]
    monkeypatch.setattr(service, "MAX_TRAINING_ORDERS", total // 4 + 1)
    model = train_model(store, seed=0).model
    assert model.splits["orders_before_until"] == total
    assert model.splits["sampled_one_in"] == 4
    used = sum(model.metrics[s]["orders"] for s in ("train", "validation", "test"))
    closed = store.fetchall("SELECT count(*) FROM delivery_fact WHERE is_closed")[0][0]
    assert (
        used
        == store.fetchall(
            "SELECT count(*) FROM delivery_fact WHERE is_closed AND order_id % 4 = 0"
        )[0][0]
    )
    assert closed / 5 < used < closed / 3
    # the newest version is the one active one
    from dfras.predict.service import list_models

    statuses = [(m.model_version, m.status) for m in list_models(store)]
    assert statuses[-1] == (model.model_version, "active")
    assert [s for _, s in statuses].count("active") == 1
