"""A small generated store (imported, causes and summaries built) shared by the core tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dfras.generate import generate
from dfras.ingest.service import ingest_paths
from dfras.store import open_store


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("core")
    generate(root / "data", orders=3_000, seed=5)
    path = root / "s.duckdb"
    store = open_store(str(path))
    try:
        ingest_paths(store, [root / "data"])
    finally:
        store.close()
    return path


@pytest.fixture
def store(db: Path) -> Iterator[Any]:
    s = open_store(str(db))
    yield s
    s.close()
