"""Record numbers (lineage) of a large file read on several threads, and upgrades of stores
written by an earlier release."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from dfras.ingest.batch import load_file
from dfras.store.duckdb import DuckDBStore
from dfras.store.schema import SCHEMA_VERSION

ROWS = 300_000
#: record number -> how the record is broken (reader reject or row rule)
BROKEN = {1_234: "bad_type", 150_001: "negative_amount", 299_999: "too_many_columns"}


@pytest.fixture(scope="module")
def big_orders(
    tmp_path_factory: pytest.TempPathFactory, numbered_orders: Callable[..., str]
) -> Path:
    path = tmp_path_factory.mktemp("big") / "orders.csv"
    path.write_text(numbered_orders(range(1, ROWS + 1), BROKEN))
    return path


def test_every_record_keeps_its_number_in_the_file(tmp_path: Path, big_orders: Path) -> None:
    """Record k of the file (header excluded) lands or is quarantined as row k, whichever
    thread read it: here order k is record k."""
    store = DuckDBStore(tmp_path / "s.duckdb", threads=2)
    result = load_file(store, big_orders)
    assert result.rows_read == ROWS
    assert result.rows_quarantined == len(BROKEN)
    landed = store.fetchall(
        "SELECT count(*), count(*) FILTER (WHERE _source_row <> order_id) FROM orders"
    )[0]
    assert landed == (ROWS - len(BROKEN), 0)
    quarantined = dict(store.fetchall("SELECT source_row, rule FROM quarantine"))
    assert quarantined == BROKEN
    store.close()


def test_a_store_of_the_first_layout_is_upgraded_on_open(
    tmp_path: Path, numbered_orders: Callable[..., str]
) -> None:
    """A store written when rows carried a stored fingerprint and their file's path loses
    those columns when opened,
    and re-importing a changed file still tells updated rows from unchanged ones."""
    csv = tmp_path / "orders.csv"
    csv.write_text(numbered_orders(range(1, 6)))
    db = tmp_path / "old.duckdb"
    store = DuckDBStore(db)
    load_file(store, csv)
    store.execute("ALTER TABLE orders ADD COLUMN _row_hash VARCHAR")
    store.execute("ALTER TABLE orders ADD COLUMN _source_file VARCHAR")
    store.execute("ALTER TABLE ingest_batches RENAME COLUMN source_digest TO source_sha256")
    store.execute("UPDATE store_meta SET value = '1' WHERE key = 'schema_version'")
    store.close()

    store = DuckDBStore(db)
    assert store.fetchall("SELECT value FROM store_meta WHERE key = 'schema_version'") == [
        (str(SCHEMA_VERSION),)
    ]
    columns = {r[0] for r in store.fetchall("DESCRIBE orders")}
    assert not {"_row_hash", "_source_file"} & columns
    changed = tmp_path / "orders-changed.csv"
    changed.write_text(
        numbered_orders(range(1, 5)) + numbered_orders([5], header=False).replace("120.50", "99.00")
    )
    result = load_file(store, changed)
    assert (result.rows_unchanged, result.rows_updated, result.rows_inserted) == (4, 1, 0)
    assert store.fetchall("SELECT amount FROM orders WHERE order_id = 5")[0][0] == 99
    store.close()
