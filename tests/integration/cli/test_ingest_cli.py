"""``dfras ingest`` through the installed console script: exit codes, messages, JSON output.

Exit codes: 0 everything committed (quarantined rows reported, not fatal); 1 a user error (a
path that does not exist, a bad option); 2 a file rejected as a whole, or with ``--strict`` any
quarantined row.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dfras.store import open_store

DFRAS = Path(sys.executable).parent / "dfras"
CORPUS = Path(__file__).resolve().parents[2] / "data" / "bad_input"

MASTER = {
    "clients.csv": (
        "client_id,client_name,gst_number,contact_person,contact_phone,contact_email,"
        "address_line1,address_line2,city,state,pincode,created_at\n"
        '1,Acme Traders,27ABCDE0001F1Z1,Ravi,+919822000001,r@acme.example,"4, FC Road",,Pune,'
        "Maharashtra,411004,2024-06-28 10:43:42\n"
        "2,Beta Retail,33ABCDE0002F1Z2,Lakshmi,+919822000002,l@beta.example,7 Anna Salai,,"
        "Chennai,Tamil Nadu,600002,2024-07-01 09:00:00\n"
    ),
    "warehouses.csv": (
        "warehouse_id,warehouse_name,state,city,pincode,capacity,manager_name,contact_phone,"
        "created_at\n"
        "1,Warehouse 1,Maharashtra,Pune,011001,1200,Aaina,+912035346558,2024-03-07 08:48:51\n"
    ),
    "drivers.csv": (
        "driver_id,driver_name,phone,license_number,partner_company,city,state,status,"
        "created_at\n"
        "1,Jivin Edwin,+919877292549,DL00012885,Shadowfax,Pune,Maharashtra,Active,"
        "2024-02-04 16:23:30\n"
    ),
    "orders.csv": (
        "order_id,client_id,customer_name,customer_phone,delivery_address_line1,"
        "delivery_address_line2,city,state,pincode,order_date,promised_delivery_date,"
        "actual_delivery_date,status,payment_mode,amount,failure_reason,created_at\n"
        "1,1,Kiaan Dara,+918029267938,59 Rama Marg,,Pune,Maharashtra,411001,"
        "2025-03-01 10:00:00,2025-03-04 10:00:00,2025-03-03 12:00:00,Delivered,COD,1876.15,,"
        "2025-03-01 10:00:00\n"
        "2,2,Tanya Bali,+919822141780,H.No. 850,,Chennai,Tamil Nadu,600001,"
        "2025-03-01 10:00:00,2025-03-04 10:00:00,,Pending,Prepaid,640.00,,2025-03-01 10:00:00\n"
    ),
}


def dfras(*args: str | Path, db: Path) -> subprocess.CompletedProcess[str]:
    """Run the console script on store ``db``; wide terminal so messages are not wrapped."""
    env = {**os.environ, "COLUMNS": "1000", "NO_COLOR": "1"}
    env.pop("DFRAS_DB", None)
    return subprocess.run(
        [str(DFRAS), "--db", str(db), *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def flat(text: str) -> str:
    """Text with all whitespace removed: immune to any line wrapping of the terminal."""
    return "".join(text.split())


@pytest.fixture
def master(tmp_path: Path) -> Path:
    folder = tmp_path / "export"
    folder.mkdir()
    for name, text in MASTER.items():
        (folder / name).write_text(text)
    return folder


def count(db: Path, sql: str) -> int:
    store = open_store(str(db), read_only=True)
    try:
        return int(store.fetchall(sql)[0][0])
    finally:
        store.close()


def test_good_data_exits_0(master: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    run = dfras("ingest", master, db=db)
    assert run.returncode == 0, run.stderr
    assert "rejected" not in run.stderr
    assert count(db, "SELECT count(*) FROM orders") == 2
    assert count(db, "SELECT count(*) FROM ingest_batches") == 4
    # importing the same folder again is a no-op, still 0
    again = dfras("ingest", master, db=db)
    assert again.returncode == 0, again.stderr
    assert count(db, "SELECT count(*) FROM ingest_batches") == 4


def test_a_rejected_file_exits_2_and_names_file_and_column(master: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    bad = CORPUS / "orders_missing_column.csv"
    run = dfras("ingest", master, bad, db=db)
    assert run.returncode == 2, run.stderr
    assert flat(str(bad)) in flat(run.stderr)
    assert "missingrequiredcolumn(s)status" in flat(run.stderr)
    # the other files were imported; the refused one left no batch behind
    assert count(db, "SELECT count(*) FROM orders") == 2
    sources = f"SELECT count(*) FROM ingest_batches WHERE source_file = '{bad}'"
    assert count(db, sources) == 0


def test_a_wrong_delimiter_exits_2_with_a_hint(tmp_path: Path) -> None:
    run = dfras("ingest", CORPUS / "orders_wrong_delimiter.csv", db=tmp_path / "s.duckdb")
    assert run.returncode == 2, run.stderr
    assert "orders_wrong_delimiter.csv" in flat(run.stderr)
    assert "delimited" in run.stderr


def test_a_nonexistent_path_exits_1(tmp_path: Path) -> None:
    missing = tmp_path / "no_such_orders.csv"
    run = dfras("ingest", missing, db=tmp_path / "s.duckdb")
    assert run.returncode == 1, run.stderr
    assert flat(str(missing)) in flat(run.stderr)
    assert "doesnotexist" in flat(run.stderr)


@pytest.mark.parametrize(
    "args",
    [
        ("ingest", "--bogus", "orders.csv"),
        ("ingest", "--format", "xml", "orders.csv"),
        ("ingest",),
    ],
    ids=["unknown_option", "bad_format", "no_path"],
)
def test_a_bad_option_exits_1(tmp_path: Path, args: tuple[str, ...]) -> None:
    run = dfras(*args, db=tmp_path / "s.duckdb")
    assert run.returncode == 1, (run.stdout, run.stderr)
    assert "Usage" in run.stderr or "Error" in run.stderr


def test_strict_exits_2_when_a_row_was_quarantined(master: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    assert dfras("ingest", master, db=db).returncode == 0
    # clean file: --strict changes nothing
    clean = dfras("ingest", "--strict", CORPUS / "orders_formula.csv", db=db)
    assert clean.returncode == 0, clean.stderr
    negative = CORPUS / "orders_negative_amount.csv"
    strict = dfras("ingest", "--strict", negative, db=db)
    assert strict.returncode == 2, strict.stderr
    # the batch itself was committed: strict reports, it does not roll back
    assert count(db, "SELECT count(*) FROM quarantine WHERE rule = 'negative_amount'") == 1
    assert count(db, "SELECT count(*) FROM orders WHERE order_id IN (102, 103)") == 2


def test_quarantined_rows_without_strict_exit_0(master: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    run = dfras("ingest", master, CORPUS / "orders_negative_amount.csv", db=db)
    assert run.returncode == 0, run.stderr
    assert "quarantined" in run.stdout


def test_format_json_prints_the_batches(master: Path, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    files = [master, CORPUS / "orders_negative_amount.csv", CORPUS / "orders_missing_column.csv"]
    run = dfras("ingest", "--format", "json", *files, db=db)
    assert run.returncode == 2, run.stderr
    report = json.loads(run.stdout)
    batches = {Path(b["source_file"]).name: b for b in report["batches"]}
    assert set(batches) == {
        "clients.csv",
        "warehouses.csv",
        "drivers.csv",
        "orders.csv",
        "orders_negative_amount.csv",
        "orders_missing_column.csv",
    }
    negative = batches["orders_negative_amount.csv"]
    assert (negative["status"], negative["domain"]) == ("committed", "orders")
    assert (negative["rows_read"], negative["rows_quarantined"], negative["rows_warned"]) == (
        3,
        1,
        1,
    )
    assert negative["batch_id"]
    refused = batches["orders_missing_column.csv"]
    assert refused["status"] == "rejected" and refused["batch_id"] is None
    assert "status" in refused["error"]
    assert all(b["status"] == "committed" for n, b in batches.items() if n in MASTER)


def test_running_out_of_the_memory_limit_says_which_limit_and_keeps_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import that exceeds DFRAS_MEMORY_LIMIT is a clear error naming the limit (not an
    'internal error'); the files committed before stay, and a re-run with room finishes."""
    from dfras.generate import generate

    generate(tmp_path / "data", orders=3000, seed=1)
    db = tmp_path / "s.duckdb"
    monkeypatch.setenv("DFRAS_MEMORY_LIMIT", "4MB")
    tight = dfras("ingest", tmp_path / "data", db=db)
    assert tight.returncode == 1, tight.stderr
    assert "internal error" not in tight.stderr
    assert "memory than its limit (4MB)" in tight.stderr
    assert "DFRAS_MEMORY_LIMIT" in flat(tight.stderr)
    monkeypatch.delenv("DFRAS_MEMORY_LIMIT")
    again = dfras("ingest", tmp_path / "data", "--format", "json", db=db)
    assert again.returncode == 0, again.stderr
    info = dfras("info", "--format", "json", db=db)
    assert json.loads(info.stdout)["tables"]["orders"] == 3000
