"""A file's bytes identify it: the same bytes are skipped, other bytes are imported.

Digests are BLAKE3; stores written by earlier versions hold SHA-256 ones, and a file those
batches imported is still recognised after the store is upgraded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import blake3
import pytest

from dfras.ingest.batch import load_file
from dfras.ingest.identity import DIGEST_PREFIX, file_digest
from dfras.store.duckdb import DuckDBStore
from dfras.store.schema import SCHEMA_VERSION

NumberedOrders = Callable[..., str]


@pytest.fixture()
def orders(tmp_path: Path, numbered_orders: NumberedOrders) -> Path:
    path = tmp_path / "orders.csv"
    path.write_text(numbered_orders(range(1, 6)))
    return path


def test_the_digest_is_blake3_of_the_bytes_read_in_chunks(tmp_path: Path) -> None:
    path = tmp_path / "big.bin"
    data = bytes(range(256)) * 10_000 + b"tail"  # 2.4 MB: several reads of the buffer
    path.write_bytes(data)
    assert file_digest(path) == DIGEST_PREFIX + blake3.blake3(data).hexdigest()
    path.write_bytes(data[:-1] + b"!")
    assert file_digest(path) != DIGEST_PREFIX + blake3.blake3(data).hexdigest()


def test_a_copy_is_skipped_and_a_changed_byte_is_not(
    tmp_path: Path, orders: Path, numbered_orders: NumberedOrders
) -> None:
    store = DuckDBStore(tmp_path / "s.duckdb")
    first = load_file(store, orders)
    copy = tmp_path / "copy.csv"
    copy.write_bytes(orders.read_bytes())
    again = load_file(store, copy)
    assert (again.status, again.batch_id) == ("skipped", first.batch_id)
    changed = tmp_path / "changed.csv"
    changed.write_text(orders.read_text().replace("120.50", "120.60", 1))
    assert changed.stat().st_size == orders.stat().st_size
    assert load_file(store, changed).status == "committed"
    [(digest,)] = store.fetchall(
        "SELECT source_digest FROM ingest_batches WHERE batch_id = ?", [first.batch_id]
    )
    assert digest == file_digest(orders)
    store.close()


def test_a_store_with_sha256_digests_is_upgraded_and_still_recognises_its_files(
    tmp_path: Path, orders: Path
) -> None:
    db = tmp_path / "old.duckdb"
    store = DuckDBStore(db)
    first = load_file(store, orders)
    # the layout before: a bare SHA-256 in source_sha256
    sha = hashlib.sha256(orders.read_bytes()).hexdigest()
    store.execute("ALTER TABLE ingest_batches RENAME COLUMN source_digest TO source_sha256")
    store.execute("UPDATE ingest_batches SET source_sha256 = ?", [sha])
    store.execute("UPDATE store_meta SET value = '2' WHERE key = 'schema_version'")
    store.close()

    store = DuckDBStore(db)
    assert store.fetchall("SELECT value FROM store_meta WHERE key = 'schema_version'") == [
        (str(SCHEMA_VERSION),)
    ]
    assert store.fetchall("SELECT source_digest FROM ingest_batches") == [(sha,)]
    again = load_file(store, orders)
    assert (again.status, again.batch_id) == ("skipped", first.batch_id)
    # same size, other bytes: compared by SHA-256 as well, and imported
    changed = tmp_path / "changed.csv"
    changed.write_text(orders.read_text().replace("120.50", "120.60", 1))
    assert load_file(store, changed).status == "committed"
    store.close()
