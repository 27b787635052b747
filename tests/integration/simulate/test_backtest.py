"""Backtest coverage: 90% intervals hold the actual counts in ≥ 85% of (month, city) cells."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dfras.domain.errors import UserError
from dfras.simulate.backtest import backtest
from dfras.store import open_store


def test_intervals_cover_actual_counts_over_seeds(sim_store_files: dict[int, Path]) -> None:
    covered = cells = 0
    per_seed = {}
    for seed, path in sim_store_files.items():
        store = open_store(str(path), read_only=True)
        try:
            b = backtest(store, until=date(2025, 3, 1), months=4, runs=800, seed=seed)
        finally:
            store.close()
        assert len(b.months) == 4
        assert b.cells == 4 * 10 * 4  # months × cities × statistics
        covered += b.covered
        cells += b.cells
        per_seed[seed] = b.coverage
    coverage = covered / cells
    assert coverage >= 0.85, per_seed
    # not trivially wide either: a 90% interval should miss now and then
    assert coverage < 0.995, per_seed


def test_backtest_refuses_months_not_yet_settled(sim_store_files: dict[int, Path]) -> None:
    store = open_store(str(sim_store_files[1]), read_only=True)
    try:
        with pytest.raises(UserError, match="may still be open"):
            backtest(store, until=date(2025, 8, 20), runs=200)
        with pytest.raises(UserError, match="needs at least 28 days"):
            backtest(store, until=date(2025, 1, 10), runs=200)
    finally:
        store.close()
