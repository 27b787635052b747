"""Reading the next file while the current batch finishes: the file read ahead is the file its
batch lands, with the same record numbers and rejects as a file read in its turn."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from dfras.ingest.service import ingest_paths
from dfras.store.duckdb import DuckDBStore
from dfras.store.staging import STAGING_DB

CLIENTS_HEADER = (
    "client_id,client_name,gst_number,contact_person,contact_phone,contact_email,"
    "address_line1,address_line2,city,state,pincode,created_at\n"
)
ROWS = 200_000
#: record number -> how the record is broken (a reader reject or a row rule)
BROKEN = {777: "bad_type", 100_001: "negative_amount", 199_998: "too_many_columns"}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, numbered_orders: Callable[..., str]) -> Path:
    """Clients (loaded first), then a large orders file with broken records."""
    out = tmp_path_factory.mktemp("ahead")
    with (out / "clients.csv").open("w") as fh:
        fh.write(CLIENTS_HEADER)
        for c in range(1, 98):
            fh.write(
                f"{c},Client {c},27ABCDE{c:04d}F1Z1,Person {c},+9198{c:08d},c{c}@example.com,"
                f"{c} Ring Road,,Pune,Maharashtra,411001,2024-01-01 09:00:00\n"
            )
    (out / "orders.csv").write_text(numbered_orders(range(1, ROWS + 1), BROKEN))
    return out


def test_a_file_read_ahead_keeps_its_record_numbers_and_rejects(
    tmp_path: Path, folder: Path
) -> None:
    """The orders file is read while the clients batch finishes; record k still lands or is
    quarantined as row k (order k is record k), and the reader's rejects keep theirs."""
    store = DuckDBStore(tmp_path / "s.duckdb", threads=2)
    report = ingest_paths(store, [folder], causes=False, alerts=False)
    orders = next(b for b in report.batches if b.domain == "orders")
    assert (orders.rows_read, orders.rows_quarantined) == (ROWS, len(BROKEN))
    landed = store.fetchall(
        "SELECT count(*), count(*) FILTER (WHERE _source_row <> order_id) FROM orders"
    )[0]
    assert landed == (ROWS - len(BROKEN), 0)
    assert dict(store.fetchall("SELECT source_row, rule FROM quarantine")) == BROKEN
    # nothing is left in the staging area once the batches are done
    assert not store.fetchall(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ?", [STAGING_DB]
    )
    store.close()


def test_the_batch_lands_the_file_as_it_was_read_ahead(tmp_path: Path) -> None:
    """A read started ahead is what the batch gets: the file is rewritten after the read and
    the batch still sees the records read (and is not read a second time)."""
    data = tmp_path / "clients.csv"
    data.write_text(CLIENTS_HEADER + "1,First,,,,,,,Pune,Maharashtra,411001,\n")
    store = DuckDBStore(tmp_path / "s.duckdb")
    columns = [(name, "VARCHAR") for name in CLIENTS_HEADER.strip().split(",")]
    # the reading connection is set up by a first read, outside any transaction
    store.fetchall(
        f"SELECT count(*) FROM {store.file_reader(data, columns=columns, delimiter=',', file_format='csv')}"
    )
    store.take_rejects()
    store.read_ahead(data, columns=columns, delimiter=",", file_format="csv")
    deadline = time.monotonic() + 30
    while not store.fetchall("SELECT 1 FROM duckdb_tables() WHERE database_name = ?", [STAGING_DB]):
        assert time.monotonic() < deadline, "the read ahead never arrived"
        time.sleep(0.01)
    data.write_text(CLIENTS_HEADER + "2,Second,,,,,,,Pune,Maharashtra,411001,\n")
    reader = store.file_reader(data, columns=columns, delimiter=",", file_format="csv")
    assert store.fetchall(f"SELECT _file_row, client_name FROM {reader}") == [(1, "First")]
    store.take_rejects()
    store.close()


def test_stores_sharing_a_database_read_into_tables_of_their_own(tmp_path: Path) -> None:
    """Two stores over one database (threads of a service) each read a file: neither read
    replaces the other's staged records."""
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text(CLIENTS_HEADER + "1,First,,,,,,,Pune,Maharashtra,411001,\n")
    second.write_text(CLIENTS_HEADER + "2,Second,,,,,,,Pune,Maharashtra,411001,\n")
    columns = [(name, "VARCHAR") for name in CLIENTS_HEADER.strip().split(",")]
    store = DuckDBStore(tmp_path / "s.duckdb")
    one, two = store.cursor(), store.cursor()
    reader_one = one.file_reader(first, columns=columns, delimiter=",", file_format="csv")
    reader_two = two.file_reader(second, columns=columns, delimiter=",", file_format="csv")
    assert one.fetchall(f"SELECT client_name FROM {reader_one}") == [("First",)]
    assert two.fetchall(f"SELECT client_name FROM {reader_two}") == [("Second",)]
    for s in (one, two):
        s.take_rejects()
        s.close()
    store.close()
