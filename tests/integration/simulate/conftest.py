"""Generated stores for the simulation tests (built once per session)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dfras.generate import generate
from dfras.ingest.service import ingest_paths
from dfras.store import open_store

ORDERS = 8000


def _store(folder: Path, seed: int) -> Path:
    generate(folder, orders=ORDERS, seed=seed)
    store = open_store(str(folder / "store.duckdb"))
    try:
        report = ingest_paths(store, [folder], causes=False)
        assert not report.rejected
    finally:
        store.close()
    return folder / "store.duckdb"


@pytest.fixture(scope="session")
def sim_store_files(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """Store files for seeds 1, 2 and 3 (generated data with planted causes)."""
    return {s: _store(tmp_path_factory.mktemp(f"sim{s}"), s) for s in (1, 2, 3)}


@pytest.fixture
def sim_store(sim_store_files: dict[int, Path]) -> Any:
    store = open_store(str(sim_store_files[1]))
    yield store
    store.close()
