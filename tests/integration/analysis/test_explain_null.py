"""No cause in, no cause out: the no-cause scenario over 40 seeds and the sample data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dfras.analysis.explain import explain
from dfras.ingest.service import ingest_paths
from dfras.store import open_store

SEEDS = range(100, 140)


@pytest.fixture(scope="module")
def null_runs(tmp_path_factory: pytest.TempPathFactory, make_store: Any) -> dict[str, list[bool]]:
    flagged: dict[str, list[bool]] = {"failure": [], "late": []}
    for seed in SEEDS:
        store, truth = make_store(
            tmp_path_factory.mktemp(f"null{seed}"), orders=6_000, seed=seed, scenario="null"
        )
        assert truth["planted"] == []
        for outcome in flagged:
            flagged[outcome].append(explain(store, outcome=outcome).significant)
        store.close()
    return flagged


@pytest.mark.parametrize("outcome", ["failure", "late"])
def test_at_most_ten_percent_of_null_runs_report_a_cause(
    null_runs: dict[str, list[bool]], outcome: str
) -> None:
    runs = null_runs[outcome]
    assert len(runs) == 40
    assert sum(runs) <= 4, f"{sum(runs)} of 40 no-cause runs reported a significant {outcome} cause"


@pytest.fixture(scope="module")
def sample_store(sample_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    store = open_store(str(tmp_path_factory.mktemp("sample") / "s.duckdb"))
    ingest_paths(store, [sample_data])
    yield store
    store.close()


@pytest.mark.parametrize("outcome", ["failure", "return", "late", "delay"])
def test_sample_data_has_no_significant_cause(sample_store: Any, outcome: str) -> None:
    e = explain(sample_store, outcome=outcome)
    assert not e.significant, [(f.conditions, f.q_value) for f in e.segments]
    assert e.segments == []
    assert "No significant cause found" in e.narrative
    assert e.tested.hypotheses > 500
    if outcome == "failure":
        reasons = {r["reason"] for r in e.reasons}
        assert {"Stockout", "Weather disruption"} <= reasons
