"""Recognising files: delimiter, header, domain by name or header, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from dfras.domain.errors import FileRejected
from dfras.ingest.detect import domain_from_header, domain_from_name, inspect_file


@pytest.mark.parametrize(
    ("name", "domain"),
    [
        ("orders.csv", "orders"),
        ("2025-08_fleet_logs.csv", "fleet_logs"),
        ("warehouse_logs_aug.csv", "warehouse_logs"),
        ("warehouses.csv", "warehouses"),
        ("Feedback.CSV", "feedback"),
        ("trips_2025.csv", "fleet_logs"),
        ("external_factors.parquet", "external_factors"),
    ],
)
def test_domain_from_name(name: str, domain: str) -> None:
    found = domain_from_name(Path(name))
    assert found is not None and found.name == domain


def test_unrelated_name_matches_nothing() -> None:
    assert domain_from_name(Path("export_2025.csv")) is None


def test_domain_from_header_needs_required_columns() -> None:
    header = ["fleet_log_id", "order_id", "driver_id", "departure_time", "route_code"]
    found = domain_from_header(header)
    assert found is not None and found.name == "fleet_logs"
    assert domain_from_header(["order_id", "rating"]) is None


@pytest.mark.parametrize(("delim", "label"), [(";", "';'"), ("\t", "tab"), ("|", "'|'")])
def test_delimiter_is_sniffed(tmp_path: Path, delim: str, label: str) -> None:
    f = tmp_path / "orders.csv"
    f.write_text(
        delim.join(["order_id", "client_id", "city"]) + "\n1" + delim + "2" + delim + "X\n"
    )
    info = inspect_file(f)
    assert info.delimiter == delim
    assert info.header == ["order_id", "client_id", "city"]
    assert any(label in n for n in info.notes)


def test_bom_is_skipped(tmp_path: Path) -> None:
    f = tmp_path / "orders.csv"
    f.write_bytes(b"\xef\xbb\xbforder_id,city\n1,Pune\n")
    info = inspect_file(f)
    assert info.has_bom and info.header == ["order_id", "city"]


def test_quoted_newline_in_header_record_is_one_record(tmp_path: Path) -> None:
    f = tmp_path / "orders.csv"
    f.write_bytes(b'order_id,"city\nname"\n1,Pune\n')
    assert inspect_file(f).header == ["order_id", "city\nname"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\xff\xfeo\x00r\x00", "UTF-16"),
        (b"order_id,order_id\n1,2\n", "repeats"),
        (b"order_\xffid,city\n", "not valid UTF-8"),
    ],
)
def test_unreadable_headers_reject_the_file(tmp_path: Path, content: bytes, message: str) -> None:
    f = tmp_path / "orders.csv"
    f.write_bytes(content)
    with pytest.raises(FileRejected, match=message):
        inspect_file(f)
