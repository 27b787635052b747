"""An OMS export imported through a mapping: hand-written (YAML, TOML) or drafted by suggest.

The export names the order ``AWB``, writes dates day first (``03/05/2025 09:05`` is 3 May),
statuses as ``canceled``/``rto`` and payment as ``cash``/``online``; its clients come in a file
whose name says nothing (``accounts.csv``). The canonical rows must come out right either way.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from dfras.ingest.mapping import Mapping, load_mapping
from dfras.ingest.service import IngestReport, ingest_paths
from dfras.ingest.suggest import suggest_mapping
from dfras.store import open_store

DFRAS = Path(sys.executable).parent / "dfras"

SHIPMENTS = [
    "AWB,ClientCode,Customer,Mobile,Addr1,Addr2,Town,Region,PIN,PlacedAt,DueBy,DeliveredAt,"
    "ShipmentStatus,PayType,Value,Reason,CreatedOn",
    '5001,7,Asha Rao,98450 12345,"12, MG Road",Near Park,Bengaluru,Karnataka,012345,'
    "23/04/2025 23:54,26/04/2025 23:54,25/04/2025 10:15,delivered,cash,1876.15,,23/04/2025 23:55",
    "5002,8,Ravi Kumar,9845012346,4 Main St,,Mumbai,Maharashtra,400001,"
    "03/05/2025 09:05,06/05/2025 09:05,,canceled,online,250.00,Stockout,03/05/2025 09:06",
    "5003,7,Meena S,09845012347,7 Lake Rd,,Chennai,Tamil Nadu,600001,"
    "12/05/2025 14:30,15/05/2025 14:30,,rto,cash,99.50,,12/05/2025 14:31",
    "5004,9,John P,+919845012348,9 Hill Rd,,Delhi,Delhi,110001,"
    "13/05/2025 08:00,16/05/2025 08:00,,shipped,online,450.00,,13/05/2025 08:01",
    "5005,8,Sara M,9845012349,1 Beach Rd,,Kochi,Kerala,682001,"
    "14/05/2025 18:45,17/05/2025 18:45,,new,cash,1200.00,,14/05/2025 18:46",
    "5006,9,Dev A,9845012350,2 Fort Rd,,Jaipur,Rajasthan,302001,"
    "02/06/2025 11:00,05/06/2025 11:00,04/06/2025 16:20,Delivered,CASH,640.00,,02/06/2025 11:01",
]

ACCOUNTS = [
    "ClientCode,ClientName,GSTIN,ContactName,ContactMobile,Email,City,State,PIN,CreatedOn",
    "7,Rao Traders,29ABCDE1234F1Z5,Asha,9845000001,a@rao.in,Bengaluru,Karnataka,560001,"
    "01/01/2024 10:00",
    "8,K Stores,27ABCDE1234F1Z5,Ravi,9845000002,r@k.in,Mumbai,Maharashtra,400001,15/01/2024 10:00",
    "9,P Mart,07ABCDE1234F1Z5,John,9845000003,j@p.in,Delhi,Delhi,110001,03/02/2024 10:00",
]

HAND_YAML = """\
source: oms
domains:
  clients:
    files: [accounts.csv]
    columns:
      ClientCode: client_id
      ClientName: client_name
      GSTIN: gst_number
      ContactName: contact_person
      ContactMobile: contact_phone
      Email: contact_email
      PIN: pincode
      CreatedOn: created_at
    date_formats: {created_at: "%d/%m/%Y %H:%M"}
  orders:
    files: ["shipments*.csv"]
    columns:
      AWB: order_id
      ClientCode: client_id
      Customer: customer_name
      Mobile: customer_phone
      Addr1: delivery_address_line1
      Addr2: delivery_address_line2
      Town: city
      Region: state
      PIN: pincode
      PlacedAt: order_date
      DueBy: promised_delivery_date
      DeliveredAt: actual_delivery_date
      ShipmentStatus: status
      PayType: payment_mode
      Value: amount
      Reason: failure_reason
      CreatedOn: created_at
    date_formats:
      order_date: "%d/%m/%Y %H:%M"
      promised_delivery_date: "%d/%m/%Y %H:%M"
      actual_delivery_date: "%d/%m/%Y %H:%M"
      created_at: "%d/%m/%Y %H:%M"
    values:
      status: {canceled: Failed, rto: Returned, shipped: In-Transit, new: Pending}
      payment_mode: {cash: COD, online: Prepaid}
"""


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def yaml_to_toml(text: str) -> str:
    """The same mapping as TOML (one table per domain and per value map)."""
    data = yaml.safe_load(text)
    out = [f"source = {json.dumps(data['source'])}"]
    for name, spec in data["domains"].items():
        out.append(f"\n[domains.{name}]")
        out.append(f"files = {json.dumps(spec['files'])}")
        for key in ("columns", "date_formats"):
            pairs = ", ".join(f"{json.dumps(k)} = {json.dumps(v)}" for k, v in spec[key].items())
            out.append(f"{key} = {{ {pairs} }}")
        for col, table in (spec.get("values") or {}).items():
            out.append(f"\n[domains.{name}.values.{col}]")
            out += [f"{json.dumps(k)} = {json.dumps(v)}" for k, v in table.items()]
    return "\n".join(out) + "\n"


@pytest.fixture
def export(tmp_path: Path) -> Path:
    folder = tmp_path / "exports"
    folder.mkdir()
    write_lines(folder / "shipments.csv", SHIPMENTS)
    write_lines(folder / "accounts.csv", ACCOUNTS)
    return folder


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Any]:
    s = open_store(str(tmp_path / "s.duckdb"))
    yield s
    s.close()


def mapping_file(kind: str, export: Path, tmp_path: Path) -> Mapping:
    if kind == "suggested":
        text, name = suggest_mapping([export]).to_yaml(), "mapping.yaml"
    elif kind == "toml":
        text, name = yaml_to_toml(HAND_YAML), "mapping.toml"
    else:
        text, name = HAND_YAML, "mapping.yaml"
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_mapping(path)


def rows(store: Any, sql: str) -> list[dict[str, Any]]:
    cur = store.fetchall(sql)
    names = [c.strip() for c in sql.split("SELECT", 1)[1].split("FROM", 1)[0].split(",")]
    return [dict(zip(names, r, strict=True)) for r in cur]


@pytest.mark.parametrize("kind", ["yaml", "toml", "suggested"])
def test_the_export_lands_as_canonical_rows(
    kind: str, export: Path, tmp_path: Path, store: Any
) -> None:
    report: IngestReport = ingest_paths(
        store, [export], mapping=mapping_file(kind, export, tmp_path)
    )
    by_file = {Path(b.source_file).name: b for b in report.batches}
    assert {n: (b.domain, b.status) for n, b in by_file.items()} == {
        "accounts.csv": ("clients", "committed"),
        "shipments.csv": ("orders", "committed"),
    }
    assert by_file["shipments.csv"].rows_inserted == 6
    assert report.rows_quarantined == 0

    orders = {
        r["order_id"]: r
        for r in rows(
            store,
            "SELECT order_id, client_id, customer_phone, pincode, order_date, "
            "promised_delivery_date, actual_delivery_date, status, payment_mode, amount, "
            "failure_reason, _flags FROM orders",
        )
    }
    assert sorted(orders) == [5001, 5002, 5003, 5004, 5005, 5006]
    assert {k: (r["status"], r["payment_mode"]) for k, r in orders.items()} == {
        5001: ("Delivered", "COD"),
        5002: ("Failed", "Prepaid"),
        5003: ("Returned", "COD"),
        5004: ("In-Transit", "Prepaid"),
        5005: ("Pending", "COD"),
        5006: ("Delivered", "COD"),
    }
    # day first: 03/05 is 3 May, 02/06 is 2 June
    assert orders[5002]["order_date"] == datetime(2025, 5, 3, 9, 5)
    assert orders[5002]["promised_delivery_date"] == datetime(2025, 5, 6, 9, 5)
    assert orders[5001]["actual_delivery_date"] == datetime(2025, 4, 25, 10, 15)
    assert orders[5006]["order_date"] == datetime(2025, 6, 2, 11, 0)
    assert orders[5001]["pincode"] == "012345"
    assert orders[5001]["customer_phone"] == "+919845012345"
    assert orders[5002]["failure_reason"] == "Stockout"
    assert float(orders[5001]["amount"]) == 1876.15
    assert all("unknown_client" not in (r["_flags"] or "") for r in orders.values())

    clients = {
        r["client_id"]: r
        for r in rows(store, "SELECT client_id, client_name, gst_number, created_at FROM clients")
    }
    assert sorted(clients) == [7, 8, 9]
    assert clients[8]["created_at"] == datetime(2024, 1, 15, 10, 0)


def test_a_mapped_source_column_feeds_only_its_mapped_column(tmp_path: Path, store: Any) -> None:
    path = write_lines(
        tmp_path / "orders_oms.csv",
        [
            "order_id,client_id,city,created_at,promised_delivery_date,status",
            "1,7,Pune,23/04/2025 23:54,26/04/2025 23:54,Pending",
            "2,7,Pune,03/05/2025 10:00,06/05/2025 10:00,Pending",
        ],
    )
    m = tmp_path / "m.yaml"
    m.write_text(
        "domains:\n  orders:\n    columns: {created_at: order_date}\n"
        '    date_formats: {order_date: "%d/%m/%Y %H:%M", '
        'promised_delivery_date: "%d/%m/%Y %H:%M"}\n'
    )
    report = ingest_paths(store, [path], mapping=load_mapping(m))
    assert report.rows_quarantined == 0
    got = store.fetchall("SELECT order_id, order_date FROM orders ORDER BY 1")
    assert got == [(1, datetime(2025, 4, 23, 23, 54)), (2, datetime(2025, 5, 3, 10, 0))]


# --- the command line ---------------------------------------------------------------------


def dfras(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    env.pop("DFRAS_DB", None)
    return subprocess.run(
        [str(DFRAS), *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300
    )


def test_cli_suggest_json(export: Path, tmp_path: Path) -> None:
    db = tmp_path / "cli.duckdb"
    done = dfras("--db", str(db), "mapping", "suggest", str(export / "shipments.csv"),
                 "--format", "json", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    (f,) = data["files"]
    assert f["domain"] == "orders"
    assert {c["source"]: c["canonical"] for c in f["columns"]}["AWB"] == "order_id"
    assert f["unmatched_columns"] == [] and f["missing_required"] == []
    orders = data["mapping"]["domains"]["orders"]
    assert orders["date_formats"]["order_date"] == "%d/%m/%Y %H:%M"
    assert orders["values"]["status"]["canceled"] == "Failed"
    assert orders["values"]["payment_mode"]["cash"] == "COD"
    assert not db.exists()  # drafting reads no store


def test_cli_suggest_prints_yaml_then_ingest_uses_it(export: Path, tmp_path: Path) -> None:
    done = dfras("mapping", "suggest", str(export), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Column matches" in done.stderr and "AWB" in done.stderr
    draft = tmp_path / "mapping.yaml"
    draft.write_text(done.stdout, encoding="utf-8")  # stdout is the YAML alone
    assert load_mapping(draft).domains["clients"].files == ["accounts.csv"]
    db = tmp_path / "cli.duckdb"
    done = dfras("--db", str(db), "ingest", str(export), "--mapping", str(draft), "-f", "json",
                 cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    batches = {Path(b["source_file"]).name: b for b in json.loads(done.stdout)["batches"]}
    assert batches["shipments.csv"]["rows_inserted"] == 6
    assert batches["accounts.csv"]["rows_inserted"] == 3


def test_cli_suggest_output_file_is_not_overwritten_without_force(
    export: Path, tmp_path: Path
) -> None:
    out = tmp_path / "draft.yaml"
    first = dfras("mapping", "suggest", str(export), "--output", str(out), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout == ""
    assert load_mapping(out).domains["orders"].columns["AWB"] == "order_id"
    again = dfras("mapping", "suggest", str(export), "-o", str(out), cwd=tmp_path)
    assert again.returncode == 1
    assert "already exists" in again.stderr and "--force" in again.stderr
    forced = dfras("mapping", "suggest", str(export), "-o", str(out), "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr


def test_cli_suggest_csv_lists_column_matches(export: Path, tmp_path: Path) -> None:
    done = dfras("mapping", "suggest", str(export / "shipments.csv"), "-f", "csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    table = list(csv.DictReader(done.stdout.splitlines()))
    assert {r["source"]: r["canonical"] for r in table}["PlacedAt"] == "order_date"


def test_cli_suggest_missing_path_is_a_user_error(tmp_path: Path) -> None:
    done = dfras("mapping", "suggest", str(tmp_path / "nope.csv"), cwd=tmp_path)
    assert done.returncode == 1
    assert "does not exist" in done.stderr


def test_cli_usage_error_is_a_message_not_a_traceback(export: Path, tmp_path: Path) -> None:
    done = dfras("mapping", "suggest", str(export), "--format", "xml", cwd=tmp_path)
    assert done.returncode == 1
    assert "'xml' is not one of" in done.stderr
    assert "Traceback" not in done.stderr
