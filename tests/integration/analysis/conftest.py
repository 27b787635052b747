"""Generated stores for the root-cause engine's tests (built once per module)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dfras.generate import generate
from dfras.ingest.service import ingest_paths
from dfras.store import open_store


def generated_store(
    folder: Path, *, orders: int, seed: int, scenario: str = "default"
) -> tuple[Any, dict[str, Any]]:
    """Generate, ingest into a DuckDB file, return (store, truth)."""
    generate(folder, orders=orders, seed=seed, scenario=scenario)
    store = open_store(str(folder / "store.duckdb"))
    report = ingest_paths(store, [folder])
    assert not report.rejected
    return store, json.loads((folder / "truth.json").read_text())


@pytest.fixture(scope="session")
def make_store() -> Any:
    """The ``generated_store`` function, as a fixture (test modules here are not a package)."""
    return generated_store
