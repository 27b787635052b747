"""Generated stores for the failure-risk model's tests (built once per session)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dfras.generate import generate
from dfras.ingest.service import ingest_paths
from dfras.store import open_store


def generated_store(folder: Path, *, orders: int, seed: int, scenario: str = "default") -> Any:
    """Generate, ingest into a DuckDB file (per-order causes deferred), return the store."""
    generate(folder, orders=orders, seed=seed, scenario=scenario)
    store = open_store(str(folder / "store.duckdb"))
    report = ingest_paths(store, [folder], causes=False)
    assert not report.rejected
    return store


@pytest.fixture(scope="session")
def default_store(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """50,000 orders with planted causes: big enough for a stable test AUC (~7,000 test orders)."""
    folder = tmp_path_factory.mktemp("predict-default")
    store = generated_store(folder, orders=50_000, seed=3)
    yield store, folder
    store.close()


@pytest.fixture(scope="session")
def null_store(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """30,000 orders of the ``null`` scenario: no attribute relates to any outcome."""
    folder = tmp_path_factory.mktemp("predict-null")
    store = generated_store(folder, orders=30_000, seed=5, scenario="null")
    yield store, folder
    store.close()
