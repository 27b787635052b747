"""Which files are read ahead as their predecessors land (the store's reads are recorded)."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

from dfras.ingest import read_ahead
from dfras.ingest.read_ahead import ReadAhead

HEADERS = {
    "clients": "client_id,client_name,city,state,pincode,created_at",
    "warehouses": "warehouse_id,warehouse_name,state,city,pincode,capacity,created_at",
    "orders": "order_id,client_id,city,order_date,promised_delivery_date,status,amount",
    "fleet_logs": "fleet_log_id,order_id,driver_id,departure_time,arrival_time",
    "feedback": "feedback_id,order_id,feedback_text,sentiment,rating,created_at",
}


class RecordingStore:
    """What ReadAhead asks of a store: earlier imports (by digest) and reads ahead."""

    def __init__(self, imported: set[str]) -> None:
        self.imported = imported
        self.reads: list[str] = []

    def fetchall(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        assert params is not None
        return [("b1", "earlier.csv")] if params[0] in self.imported else []

    def read_ahead(self, path: Path, **_: Any) -> None:
        self.reads.append(path.stem)


def _files(tmp_path: Path, sizes: dict[str, int]) -> list[Path]:
    out = []
    for name, size in sizes.items():
        path = tmp_path / f"{name}.csv"
        header = HEADERS[name] + "\n"
        path.write_text(header + "x" * max(size - len(header), 0))
        out.append(path)
    return out


def _digests(files: list[Path]) -> list[Future[str]]:
    out = []
    for path in files:
        f: Future[str] = Future()
        f.set_result(path.stem)  # the digest stands for the file
        out.append(f)
    return out


@pytest.fixture
def small_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read_ahead, "READ_AHEAD_BYTES", 1_000)


@pytest.mark.usefixtures("small_budget")
def test_small_files_are_read_ahead_up_to_the_first_large_one(tmp_path: Path) -> None:
    files = _files(
        tmp_path,
        {"clients": 200, "warehouses": 200, "orders": 5_000, "fleet_logs": 5_000, "feedback": 300},
    )
    store = RecordingStore(imported=set())
    ahead = ReadAhead(store, files, _digests(files), mapping=None, domain=None)
    ahead.landed(0)  # clients landed: warehouses, then orders (the budget is not reached yet)
    assert store.reads == ["warehouses", "orders"]
    ahead.landed(1)  # orders is waiting and over the budget: nothing more
    assert store.reads == ["warehouses", "orders"]
    ahead.landed(2)  # orders landed: the next file always, then over the budget
    assert store.reads == ["warehouses", "orders", "fleet_logs"]
    ahead.landed(3)
    ahead.landed(4)  # the last file: nothing left to read
    assert store.reads == ["warehouses", "orders", "fleet_logs", "feedback"]


@pytest.mark.usefixtures("small_budget")
def test_files_imported_before_or_refused_are_not_read_ahead(tmp_path: Path) -> None:
    files = _files(tmp_path, {"clients": 100, "warehouses": 100, "orders": 100})
    files[2].write_text("no,known,columns\n1,2,3\n")  # refused whole by its own load
    store = RecordingStore(imported={"warehouses"})
    ahead = ReadAhead(store, files, _digests(files), mapping=None, domain=None)
    ahead.landed(0)
    assert store.reads == []


@pytest.mark.usefixtures("small_budget")
def test_before_the_first_batch_the_first_files_are_read_within_the_budget(
    tmp_path: Path,
) -> None:
    files = _files(tmp_path, {"clients": 200, "warehouses": 200, "orders": 5_000, "feedback": 300})
    store = RecordingStore(imported=set())
    ahead = ReadAhead(store, files, _digests(files), mapping=None, domain=None)
    ahead.start()
    assert store.reads == ["clients", "warehouses", "orders"]
    ahead.landed(0)  # nothing more while orders waits over the budget
    assert store.reads == ["clients", "warehouses", "orders"]


def test_a_rerun_of_an_import_reads_nothing_ahead(tmp_path: Path) -> None:
    """The first file was imported before: its batch and likely the others are skipped."""
    files = _files(tmp_path, {"clients": 100, "warehouses": 100, "orders": 100})
    store = RecordingStore(imported={"clients"})
    ReadAhead(store, files, _digests(files), mapping=None, domain=None).start()
    assert store.reads == []
