"""No leakage: an order's features never depend on outcomes known after it was placed."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from dfras.predict.features import fetch_features
from dfras.query.predict import FEATURES


def _features(store: Any) -> dict[int, tuple[Any, ...]]:
    table: pa.Table = fetch_features(store)
    ids = table.column("order_id").to_pylist()
    cols = [table.column(f).to_pylist() for f in FEATURES]
    return {int(i): tuple(c[k] for c in cols) for k, i in enumerate(ids)}


def test_changing_later_outcomes_leaves_earlier_features_alone(null_store: Any) -> None:
    store, _ = null_store
    cut = store.fetchall(
        "SELECT quantile_disc(order_date, 0.6) FROM delivery_fact WHERE is_closed"
    )[0][0]
    before = _features(store)
    # every outcome of an order placed from the cut on is flipped: failed <-> not failed
    store.execute("CREATE TABLE fact_backup AS SELECT * FROM delivery_fact")
    try:
        store.execute(
            "UPDATE delivery_fact SET is_failed = NOT is_failed, "
            "status = CASE WHEN is_failed THEN 'Delivered' ELSE 'Failed' END "
            "WHERE is_closed AND order_date >= ?",
            [cut],
        )
        after = _features(store)
    finally:
        store.execute("DELETE FROM delivery_fact")
        store.execute("INSERT INTO delivery_fact SELECT * FROM fact_backup")
        store.execute("DROP TABLE fact_backup")
    dates = dict(store.fetchall("SELECT order_id, order_date FROM delivery_fact"))
    earlier = [i for i in before if dates[i] < cut]
    later = [i for i in before if dates[i] >= cut]
    assert earlier and later
    assert all(before[i] == after[i] for i in earlier)
    # the flip is visible to orders placed after the flipped ones closed (the test can fail)
    assert sum(before[i] != after[i] for i in later) > len(later) // 2


def test_own_outcome_is_not_a_feature(null_store: Any) -> None:
    store, _ = null_store
    before = _features(store)
    store.execute("CREATE TABLE fact_backup AS SELECT * FROM delivery_fact")
    try:
        # flip the outcome of the latest closed order: nothing can have closed after it
        last = store.fetchall(
            "SELECT order_id FROM delivery_fact WHERE is_closed ORDER BY order_date DESC LIMIT 1"
        )[0][0]
        store.execute(
            "UPDATE delivery_fact SET is_failed = NOT is_failed, failure_reason = 'Stockout', "
            "actual_delivery_date = NULL WHERE order_id = ?",
            [last],
        )
        after = _features(store)
    finally:
        store.execute("DELETE FROM delivery_fact")
        store.execute("INSERT INTO delivery_fact SELECT * FROM fact_backup")
        store.execute("DROP TABLE fact_backup")
    assert before[int(last)] == after[int(last)]
