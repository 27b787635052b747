"""Keys repeated in one file are found whichever way the store counts distinct keys.

A batch's keys are first compared with their range (more rows than the range holds must
repeat one); otherwise they are counted: on DuckDB with a bitmap of the range when it is
narrow enough, by hashing when it is not. Each path must find a repeat and must not invent one.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest

from dfras.ingest.batch import load_file
from dfras.store import open_store
from dfras.store.duckdb import BITMAP_COUNT_MAX, DuckDBStore

NumberedOrders = Callable[..., str]


@pytest.fixture()
def db(tmp_path: Path) -> DuckDBStore:
    store: DuckDBStore = open_store(str(tmp_path / "store.duckdb"))
    return store


def _load(db: DuckDBStore, tmp_path: Path, text: str) -> tuple[str, int, list[tuple[int, int]]]:
    path = tmp_path / "orders.csv"
    path.write_text(text)
    result = load_file(db, path)
    assert result.status == "committed", result
    repeats = db.fetchall(
        "SELECT source_row, CAST(record_key AS BIGINT) FROM row_issues "
        "WHERE batch_id = ? AND rule = 'duplicate_row' ORDER BY source_row",
        [result.batch_id],
    )
    kept = db.fetchall("SELECT count(*) FROM orders WHERE _batch_id = ?", [result.batch_id])
    return str(result.batch_id), int(kept[0][0]), [(int(r), int(k)) for r, k in repeats]


@pytest.mark.parametrize(
    ("numbers", "path"),
    [
        ([5, 6, 5, 7], "more rows than the range holds"),
        ([1, 40, 40, 90], "bitmap of a narrow range"),
        ([1, 10**12, 10**12, 3 * 10**12], "hash of a range too wide for a bitmap"),
    ],
)
def test_an_identical_repeat_is_found_and_dropped(
    db: DuckDBStore, tmp_path: Path, numbered_orders: NumberedOrders, numbers: list[int], path: str
) -> None:
    _, kept, repeats = _load(db, tmp_path, numbered_orders(numbers))
    assert kept == 3, path
    assert repeats == [(3, numbers[2])], path


@pytest.mark.parametrize("numbers", [[1, 40, 90], [1, 10**12, 3 * 10**12], [7]])
def test_distinct_keys_raise_nothing(
    db: DuckDBStore, tmp_path: Path, numbered_orders: NumberedOrders, numbers: list[int]
) -> None:
    _, kept, repeats = _load(db, tmp_path, numbered_orders(numbers))
    assert (kept, repeats) == (len(numbers), [])


@pytest.mark.parametrize("spread", [1_000, BITMAP_COUNT_MAX - 1, BITMAP_COUNT_MAX * 4])
def test_the_count_matches_a_plain_distinct_count(db: DuckDBStore, spread: int) -> None:
    rng = random.Random(spread)
    values = [rng.randrange(spread) + 10 for _ in range(5_000)]
    db.execute("CREATE TEMP TABLE ids (v BIGINT)")
    db.execute("INSERT INTO ids SELECT unnest(?)", [values])
    low, high = min(values), max(values)
    sql = db.distinct_count_sql("v", low, high)
    assert ("bitstring_agg" in sql) == (high - low < BITMAP_COUNT_MAX)
    assert db.fetchall(f"SELECT {sql} FROM ids")[0][0] == len(set(values))
