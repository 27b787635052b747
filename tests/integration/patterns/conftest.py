"""Stores for the pattern tests: generated data, loaded in-process.

``generated_store`` uses the real import (``ingest_paths``). ``quick_store`` loads the
generator's CSVs straight into the canonical tables with typed casts and builds the fact: the
null-calibration tests run forty seeds and test the scan, not the import (which has its own
tests), so they skip the import's validation to stay within their time budget.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dfras.domain.tables import DOMAINS
from dfras.fact import service as fact_service
from dfras.generate import generate
from dfras.ingest.service import ingest_paths
from dfras.store import open_store
from dfras.store.meta import write_meta

_CAST = {"text": "VARCHAR", "int": "BIGINT", "decimal": "DECIMAL(18,2)", "timestamp": "TIMESTAMP"}
_SKIP = {"feedback"}  # the scan does not read feedback


def generated_store(
    folder: Path, *, orders: int, seed: int, scenario: str = "default", causes: bool = False
) -> tuple[Any, dict[str, Any]]:
    """Generate, import through ``ingest_paths`` into a DuckDB file, return (store, truth)."""
    generate(folder, orders=orders, seed=seed, scenario=scenario)
    store = open_store(str(folder / "store.duckdb"))
    report = ingest_paths(store, [folder], causes=causes)
    assert not report.rejected
    return store, json.loads((folder / "truth.json").read_text())


def quick_store(folder: Path, *, orders: int, seed: int, scenario: str = "null") -> Any:
    """Generate and load into an in-memory store without the import's checks."""
    generate(folder, orders=orders, seed=seed, scenario=scenario)
    store = open_store(":memory:")
    for name, domain in DOMAINS.items():
        if name in _SKIP:
            continue
        cols = [c.name for c in domain.columns]
        exprs = ", ".join(
            f"TRY_CAST(nullif(trim({c.name}), '') AS {_CAST[c.type]})" for c in domain.columns
        )
        store.execute(
            f"INSERT INTO {name} ({', '.join(cols)}) SELECT {exprs} "
            "FROM read_csv(?, all_varchar = true, header = true)",
            [str(folder / f"{name}.csv")],
        )
    write_meta(store, "data_version", "1")
    fact_service.refresh(store)
    return store


@pytest.fixture(scope="session")
def make_store() -> Any:
    return generated_store


@pytest.fixture(scope="session")
def make_quick_store() -> Any:
    return quick_store
