"""The delivery fact built in order-id ranges equals the fact built in one pass."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from dfras.fact import service as fact_service
from dfras.generate import generate
from dfras.ingest.service import ingest_paths
from dfras.query.fact import FACT_TABLE
from dfras.store.duckdb import DuckDBStore


def _fact(store: DuckDBStore) -> list[tuple[object, ...]]:
    return store.fetchall(f"SELECT * FROM {FACT_TABLE} ORDER BY order_id")


def test_fact_built_in_ranges_equals_one_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate(tmp_path / "data", orders=5000, seed=3)
    store = DuckDBStore(tmp_path / "s.duckdb")
    ingest_paths(store, [tmp_path / "data"], causes=False, alerts=False)
    assert fact_service.build_steps(store) == [None]
    whole = _fact(store)

    monkeypatch.setattr(fact_service, "ORDERS_PER_STEP", 1200)
    steps = fact_service.build_steps(store)
    assert len(steps) == 5
    bounds = [s for s in steps if s is not None]
    assert bounds[0][0] == whole[0][0] and bounds[-1][1] == whole[-1][0]
    assert all(b[0] == a[1] + 1 for a, b in itertools.pairwise(bounds))
    fact_service.refresh(store)
    assert len(whole) == 5000
    assert _fact(store) == whole
    store.close()
