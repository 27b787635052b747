"""Shared fixtures: the sample data (skipped where absent, required in CI) and fresh stores."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DATA = Path(os.environ.get("DFRAS_SAMPLE_DATA", ROOT.parent / "shared" / "sample-data"))


@pytest.fixture(scope="session")
def sample_data() -> Path:
    """../shared/sample-data; skipped with a reason where absent, a failure in CI."""
    if not (SAMPLE_DATA / "orders.csv").exists():
        reason = f"sample data not found at {SAMPLE_DATA} (set DFRAS_SAMPLE_DATA)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: CI must run the sample-data tests")
        pytest.skip(reason)
    return SAMPLE_DATA


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "store.duckdb"


@pytest.fixture
def store(store_path: Path) -> Iterator[object]:
    from dfras.store import open_store

    s = open_store(str(store_path))
    yield s
    s.close()
