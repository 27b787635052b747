"""Ingesting the public sample data: every row kept, pincodes intact, the known findings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dfras.ingest.service import ingest_paths
from dfras.quality.report import build_report


@pytest.fixture(scope="module")
def loaded(sample_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from dfras.store import open_store

    store = open_store(str(tmp_path_factory.mktemp("sample") / "s.duckdb"))
    report = ingest_paths(store, [sample_data])
    yield store, report
    store.close()


def count(store: Any, sql: str) -> int:
    return int(store.fetchall(sql)[0][0])


def test_every_row_is_kept(loaded: Any) -> None:
    store, report = loaded
    assert not report.rejected
    expected = {
        "orders": 10_000,
        "clients": 500,
        "warehouses": 50,
        "drivers": 2_000,
        "warehouse_logs": 10_000,
        "fleet_logs": 10_000,
        "external_factors": 10_000,
        "feedback": 10_000,
    }
    for table, n in expected.items():
        assert count(store, f"SELECT count(*) FROM {table}") == n, table
    assert count(store, "SELECT count(*) FROM quarantine") == 0
    assert count(store, "SELECT count(*) FROM delivery_fact") == 10_000


def test_pincodes_keep_leading_zeros(loaded: Any) -> None:
    store, _ = loaded
    assert count(store, "SELECT count(*) FROM orders WHERE length(pincode) <> 6") == 0
    assert count(store, "SELECT count(*) FROM orders WHERE pincode LIKE '0%'") == 995
    assert count(store, "SELECT count(*) FROM orders WHERE pincode LIKE '00%'") == 90
    assert count(store, "SELECT count(*) FROM warehouses WHERE pincode LIKE '0%'") > 0


def test_statuses_and_outcomes(loaded: Any) -> None:
    store, _ = loaded
    statuses = dict(store.fetchall("SELECT status, count(*) FROM orders GROUP BY 1"))
    assert statuses == {
        "Pending": 2111,
        "In-Transit": 2011,
        "Failed": 2004,
        "Delivered": 1942,
        "Returned": 1932,
    }
    assert count(store, "SELECT count(*) FROM delivery_fact WHERE is_late") == 1271
    assert count(store, "SELECT count(*) FROM orders WHERE failure_reason IS NOT NULL") == 2004
    assert (
        count(
            store,
            "SELECT count(*) FROM orders WHERE failure_reason IS NOT NULL AND status <> 'Failed'",
        )
        == 0
    )


def test_multiline_addresses_survive(loaded: Any) -> None:
    store, _ = loaded
    n = count(
        store, "SELECT count(*) FROM orders WHERE strpos(delivery_address_line1, chr(10)) > 0"
    )
    assert n == 4947
    assert (
        count(store, "SELECT count(*) FROM clients WHERE strpos(address_line1, chr(10)) > 0") == 248
    )


def test_quality_report_shows_the_known_findings(loaded: Any) -> None:
    store, _ = loaded
    report = build_report(store)
    f = {x.code: x for x in report.findings}
    assert f["late_delivered"].count == 1271
    assert f["multiline_address_orders"].count == 4947
    assert f["multiline_address_clients"].count == 248
    lz = f["pincode_leading_zero:orders"].detail
    assert (lz["five_digit"], lz["four_digit"], lz["three_digit_or_less"]) == (905, 80, 10)
    assert f["log_before_order:warehouse_logs"].count == 4957
    assert f["unknown_failure_reason"].detail["reasons"] == {"Weather disruption": 385}
    assert f["failure_reason_on_failed_only"].count == 2004
    assert f["reason_without_failure"].count == 0
    for dom in ("warehouse_logs", "fleet_logs", "external_factors", "feedback"):
        covered = f[f"several_rows_per_order:{dom}"].detail["orders_covered"]
        assert 6324 <= covered <= 6366, dom
        assert 2500 <= f[f"several_rows_per_order:{dom}"].count <= 2700, dom
        assert 3600 <= f[f"several_rows_per_order:{dom}"].detail["surplus_rows"] <= 3700, dom
    coverage = report.coverage
    assert set(coverage) == {"warehouse_logs", "fleet_logs", "external_factors", "feedback"}
    assert all(0.63 <= v <= 0.64 for v in coverage.values())
    scores = {d.domain: d.score for d in report.domains}
    assert scores["clients"] == 100.0
    # 4,957 of 10,000 warehouse logs flagged: 100 × (1 − 0.5 × 0.4957)
    assert scores["warehouse_logs"] == pytest.approx(75.2, abs=0.05)


def test_reimport_changes_nothing(loaded: Any, sample_data: Path) -> None:
    store, _ = loaded
    before = store.fetchall("SELECT count(*), max(_batch_id), max(_source_row) FROM orders")
    batches = count(store, "SELECT count(*) FROM ingest_batches")
    again = ingest_paths(store, [sample_data])
    assert {b.status for b in again.batches} == {"skipped"}
    assert store.fetchall("SELECT count(*), max(_batch_id), max(_source_row) FROM orders") == before
    assert count(store, "SELECT count(*) FROM ingest_batches") == batches
