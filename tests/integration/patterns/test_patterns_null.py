"""No cause in, no pattern out: the no-cause scenario over 40 seeds, and the sample data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dfras.ingest.service import ingest_paths
from dfras.patterns import service
from dfras.store import open_store

SEEDS = range(100, 140)
ORDERS = 3_000


@pytest.fixture(scope="module")
def null_scans(tmp_path_factory: pytest.TempPathFactory, make_quick_store: Any) -> list[Any]:
    results = []
    for seed in SEEDS:
        store = make_quick_store(tmp_path_factory.mktemp(f"pnull{seed}"), orders=ORDERS, seed=seed)
        result = service.scan(store, explain_top=0)
        assert result.tested["Anomaly"] > 1_000  # the scan really looked
        results.append(result)
        store.close()
    return results


def test_at_most_ten_percent_of_null_runs_report_an_anomaly_or_pattern(
    null_scans: list[Any],
) -> None:
    assert len(null_scans) == 40
    flagged = [
        [(d.pattern_type, d.entity_column, d.entity_value, d.outcome) for d in r.detections]
        for r in null_scans
        if r.detections
    ]
    assert len(flagged) <= 4, flagged


def test_at_most_ten_percent_of_null_runs_report_an_event_correlation(
    null_scans: list[Any],
) -> None:
    flagged = [r.correlations for r in null_scans if r.correlations]
    assert len(flagged) <= 4, [[c.to_dict() for c in f] for f in flagged]
    # conditions are drawn per order: no city-day is ever hit by an event
    assert sum(len(r.events) for r in null_scans) <= 4


@pytest.fixture(scope="module")
def sample_store(sample_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    store = open_store(str(tmp_path_factory.mktemp("psample") / "s.duckdb"))
    ingest_paths(store, [sample_data], causes=False)
    yield store
    store.close()


def test_sample_data_has_no_anomaly_pattern_or_correlation(sample_store: Any) -> None:
    result = service.scan(sample_store, explain_top=0)
    assert result.tested["Anomaly"] > 1_000
    assert result.tested["Recurring"] > 50
    assert result.detections == [], [d.to_dict() for d in result.detections]
    assert result.correlations == [], [c.to_dict() for c in result.correlations]
    assert service.list_patterns(sample_store) == []
