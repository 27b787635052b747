"""The bad-input corpus: every kind of broken export is handled as the ingestion spec says.

Per file: a missing required column or an unreadable file rejects the file (nothing written);
unknown columns are ignored with a note. Per row: error rows go to ``quarantine`` with file,
record number, rule, a message naming the column and the raw content; warning rows are kept,
flagged in ``_flags`` and listed in ``row_issues``.

The hand-written cases live in ``tests/data/bad_input/`` (the domain is recognised from the
file name). Binary cases (non-UTF-8 bytes, a truncated file, a BOM) and the 100 MB field are
written at test time; the big one only ever exists in ``tmp_path``.
"""

from __future__ import annotations

import json
import resource
import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from dfras.domain.errors import FileRejected
from dfras.ingest.batch import BatchResult, load_file
from dfras.ingest.service import ingest_paths
from dfras.store import open_store
from dfras.store.duckdb import DuckDBStore
from dfras.store.staging import MAX_RECORD_BYTES, RAW_KEEP_CHARS

CORPUS = Path(__file__).resolve().parents[2] / "data" / "bad_input"

ORDERS_HEADER = (
    "order_id,client_id,customer_name,customer_phone,delivery_address_line1,"
    "delivery_address_line2,city,state,pincode,order_date,promised_delivery_date,"
    "actual_delivery_date,status,payment_mode,amount,failure_reason,created_at"
)

#: Valid master data and three orders (placed 2025-03-01 10:00), so references resolve.
MASTER = {
    "clients.csv": [
        "client_id,client_name,gst_number,contact_person,contact_phone,contact_email,"
        "address_line1,address_line2,city,state,pincode,created_at",
        '1,Acme Traders,27ABCDE0001F1Z1,Ravi Patil,+919822000001,ravi@acme.example,"4, FC Road",'
        ",Pune,Maharashtra,411004,2024-06-28 10:43:42",
        "2,Beta Retail,33ABCDE0002F1Z2,Lakshmi N,+919822000002,l@beta.example,7 Anna Salai,,"
        "Chennai,Tamil Nadu,600002,2024-07-01 09:00:00",
    ],
    "warehouses.csv": [
        "warehouse_id,warehouse_name,state,city,pincode,capacity,manager_name,contact_phone,"
        "created_at",
        "1,Warehouse 1,Maharashtra,Pune,011001,1200,Aaina Kannan,+912035346558,2024-03-07 08:48:51",
        "2,Warehouse 2,Tamil Nadu,Chennai,600001,900,Anya Tella,+914435346558,2024-04-06 07:35:33",
    ],
    "drivers.csv": [
        "driver_id,driver_name,phone,license_number,partner_company,city,state,status,created_at",
        "1,Jivin Edwin,+919877292549,DL00012885,Shadowfax,Pune,Maharashtra,Active,"
        "2024-02-04 16:23:30",
        "2,Yuvaan Zacharia,+919322946722,DL00022295,Delhivery,Chennai,Tamil Nadu,Active,"
        "2024-01-11 02:14:11",
    ],
    "orders.csv": [
        ORDERS_HEADER,
        "1,1,Kiaan Dara,+918029267938,59 Rama Marg,,Pune,Maharashtra,411001,2025-03-01 10:00:00,"
        "2025-03-04 10:00:00,2025-03-03 12:00:00,Delivered,COD,1876.15,,2025-03-01 10:00:00",
        "2,1,Tanya Bali,+919822141780,H.No. 850,,Pune,Maharashtra,411002,2025-03-01 10:00:00,"
        "2025-03-04 10:00:00,,Pending,Prepaid,640.00,,2025-03-01 10:00:00",
        "3,2,Misha Gour,+919822141781,12 Beach Road,,Chennai,Tamil Nadu,600001,"
        "2025-03-01 10:00:00,2025-03-04 10:00:00,,Failed,COD,99.50,Stockout,2025-03-01 10:00:00",
    ],
}

#: Tables whose whole content must not change when a file is refused or a batch fails.
STATE_TABLES = (
    "clients",
    "warehouses",
    "drivers",
    "orders",
    "warehouse_logs",
    "fleet_logs",
    "external_factors",
    "feedback",
    "quarantine",
    "row_issues",
    "ingest_batches",
    "store_meta",
)


def order_line(order_id: int, name: str = "Asha Rao", address: str = "12 MG Road") -> str:
    """One valid orders record in the sample layout."""
    return (
        f"{order_id},1,{name},+919822041780,{address},,Pune,Maharashtra,411001,"
        "2025-03-02 09:00:00,2025-03-05 09:00:00,,Pending,COD,120.00,,2025-03-02 09:00:00"
    )


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the master data and three orders, built once and copied per test."""
    folder = tmp_path_factory.mktemp("master")
    for name, lines in MASTER.items():
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    path = folder / "template.duckdb"
    store = open_store(str(path))
    try:
        report = ingest_paths(store, [folder])
        assert [b.status for b in report.batches] == ["committed"] * 4
        assert report.rows_quarantined == 0
    finally:
        store.close()
    return path


@pytest.fixture
def db(template: Path, tmp_path: Path) -> Iterator[DuckDBStore]:
    path = tmp_path / "store.duckdb"
    shutil.copyfile(template, path)
    store = open_store(str(path))
    yield store
    store.close()


# -- helpers ------------------------------------------------------------------------------


def dicts(db: DuckDBStore, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    return db.fetch_dicts(sql, params)


def quarantined(db: DuckDBStore, batch_id: str | None) -> list[dict[str, Any]]:
    return dicts(
        db,
        "SELECT * FROM quarantine WHERE batch_id = ? ORDER BY source_row, rule",
        [batch_id],
    )


def issues(db: DuckDBStore, batch_id: str | None) -> list[dict[str, Any]]:
    return dicts(
        db, "SELECT * FROM row_issues WHERE batch_id = ? ORDER BY source_row, rule", [batch_id]
    )


def stored(db: DuckDBStore, table: str, key: str, batch_id: str | None) -> dict[Any, dict]:
    rows = dicts(db, f"SELECT * FROM {table} WHERE _batch_id = ? ORDER BY {key}", [batch_id])
    return {r[key]: r for r in rows}


def snapshot(db: DuckDBStore) -> dict[str, list[tuple[Any, ...]]]:
    """The whole content of every table that an import may touch, in a stable order."""
    return {t: sorted(db.fetchall(f"SELECT * FROM {t}"), key=repr) for t in STATE_TABLES}


def load(db: DuckDBStore, path: Path) -> BatchResult:
    result = load_file(db, path)
    assert result.status == "committed", result
    return result


def assert_quarantined(
    row: dict[str, Any], *, rule: str, source_row: int, column: str | None, value: str
) -> None:
    """One quarantine row: rule, 1-based record number, a message naming the column, raw."""
    assert row["rule"] == rule
    assert row["source_row"] == source_row
    if column is not None:
        assert column in row["message"], row["message"]
    assert row["raw"], "raw content must be kept"
    assert value in row["raw"], row["raw"]


def assert_flagged(
    db: DuckDBStore, table: str, key: str, result: BatchResult, key_value: Any, rule: str
) -> None:
    """A kept row carrying a warning: in its ``_flags`` and in ``row_issues``."""
    row = stored(db, table, key, result.batch_id)[key_value]
    assert rule in (row["_flags"] or ""), row["_flags"]
    found = [i for i in issues(db, result.batch_id) if i["record_key"] == str(key_value)]
    assert rule in {i["rule"] for i in found}
    assert all(i["source_row"] == row["_source_row"] for i in found)


# -- row errors: quarantined with rule, record number, column and raw content ---------------


def test_negative_amount_is_quarantined_and_zero_amount_warned(db: DuckDBStore) -> None:
    result = load(db, CORPUS / "orders_negative_amount.csv")
    assert (result.rows_read, result.rows_accepted, result.rows_quarantined) == (3, 2, 1)
    [q] = quarantined(db, result.batch_id)
    assert_quarantined(q, rule="negative_amount", source_row=1, column="amount", value="-250.00")
    assert q["record_key"] == "101"
    assert q["message"].startswith("amount:")
    assert json.loads(q["raw"])["amount"] == "-250.00"
    rows = stored(db, "orders", "order_id", result.batch_id)
    assert set(rows) == {102, 103}
    assert rows[102]["amount"] == Decimal("250.00") and rows[102]["_flags"] is None
    assert_flagged(db, "orders", "order_id", result, 103, "zero_amount")


def test_bad_types_are_quarantined(db: DuckDBStore) -> None:
    result = load(db, CORPUS / "orders_bad_types.csv")
    assert (result.rows_read, result.rows_quarantined) == (4, 3)
    q = quarantined(db, result.batch_id)
    assert [r["rule"] for r in q] == ["bad_type"] * 3
    assert_quarantined(q[0], rule="bad_type", source_row=1, column="client_id", value="201,one,")
    assert_quarantined(
        q[1], rule="bad_type", source_row=2, column="order_date", value="2025-02-30 09:05:00"
    )
    assert_quarantined(q[2], rule="bad_type", source_row=3, column="amount", value="1.2.3")
    assert set(stored(db, "orders", "order_id", result.batch_id)) == {204}


def test_empty_required_fields_are_quarantined(db: DuckDBStore) -> None:
    result = load(db, CORPUS / "orders_required_missing.csv")
    q = quarantined(db, result.batch_id)
    assert len(q) == 2
    assert_quarantined(q[0], rule="required_missing", source_row=1, column="city", value="211")
    assert q[0]["message"].startswith("city:")
    # a value of blanks is empty once trimmed
    assert_quarantined(q[1], rule="required_missing", source_row=2, column="status", value="212")
    assert q[1]["message"].startswith("status:")
    assert set(stored(db, "orders", "order_id", result.batch_id)) == {213}


def test_impossible_order_times_are_quarantined(db: DuckDBStore) -> None:
    result = load(db, CORPUS / "orders_impossible_times.csv")
    q = quarantined(db, result.batch_id)
    assert [(r["source_row"], r["rule"]) for r in q] == [
        (1, "promised_before_order"),
        (2, "delivered_before_order"),
    ]
    assert q[0]["message"].startswith("promised_delivery_date:")
    assert "2025-03-01 09:00:00" in q[0]["raw"]
    assert q[1]["message"].startswith("actual_delivery_date:")
    assert "2025-03-01 18:00:00" in q[1]["raw"]
    assert set(stored(db, "orders", "order_id", result.batch_id)) == {303}


def test_impossible_warehouse_times_quarantined_and_early_picking_warned(
    db: DuckDBStore,
) -> None:
    result = load(db, CORPUS / "warehouse_logs_impossible_times.csv")
    q = quarantined(db, result.batch_id)
    assert [(r["source_row"], r["rule"]) for r in q] == [
        (1, "picking_end_before_start"),
        (2, "dispatch_before_picking_end"),
    ]
    assert q[0]["message"].startswith("picking_end:")
    assert q[1]["message"].startswith("dispatch_time:")
    assert "Slow packing" in q[1]["raw"]
    rows = stored(db, "warehouse_logs", "log_id", result.batch_id)
    assert set(rows) == {3, 4}
    # picking before the order was placed: kept and flagged
    assert_flagged(db, "warehouse_logs", "log_id", result, 3, "log_before_order")
    assert rows[4]["_flags"] is None


def test_arrival_before_departure_is_quarantined(db: DuckDBStore) -> None:
    result = load(db, CORPUS / "fleet_logs_impossible_times.csv")
    [q] = quarantined(db, result.batch_id)
    assert_quarantined(
        q,
        rule="arrival_before_departure",
        source_row=1,
        column="arrival_time",
        value="MH12AB1234",
    )
    assert set(stored(db, "fleet_logs", "fleet_log_id", result.batch_id)) == {2}


def test_unknown_status_or_payment_mode_is_an_error(db: DuckDBStore) -> None:
    result = load(db, CORPUS / "orders_unknown_enum.csv")
    q = quarantined(db, result.batch_id)
    assert [(r["source_row"], r["rule"]) for r in q] == [(1, "bad_enum"), (2, "bad_enum")]
    assert q[0]["message"].startswith("status:") and "Lost" in q[0]["message"]
    assert q[1]["message"].startswith("payment_mode:") and "UPI" in q[1]["message"]
    rows = stored(db, "orders", "order_id", result.batch_id)
    # spelling variants of known values are normalised, not flagged
    assert (rows[403]["status"], rows[403]["payment_mode"]) == ("In-Transit", "Prepaid")
    assert (rows[404]["status"], rows[404]["payment_mode"]) == ("Delivered", "COD")
    assert rows[403]["_flags"] is None and rows[404]["_flags"] is None


def test_unknown_traffic_and_weather_are_kept_as_written(db: DuckDBStore) -> None:
    result = load(db, CORPUS / "external_factors_unknown_enum.csv")
    assert result.rows_quarantined == 0
    rows = stored(db, "external_factors", "factor_id", result.batch_id)
    assert rows[1]["traffic_condition"] == "Gridlock"
    assert rows[2]["weather_condition"] == "Hailstorm"
    assert_flagged(db, "external_factors", "factor_id", result, 1, "unknown_enum")
    assert_flagged(db, "external_factors", "factor_id", result, 2, "unknown_enum")
    messages = [i["message"] for i in issues(db, result.batch_id)]
    assert any(m.startswith("traffic_condition:") and "Gridlock" in m for m in messages)
    assert any(m.startswith("weather_condition:") and "Hailstorm" in m for m in messages)
    assert (rows[3]["traffic_condition"], rows[3]["weather_condition"]) == ("Heavy", "Rain")
    assert rows[3]["_flags"] is None


def test_unknown_driver_status_is_kept_as_written(db: DuckDBStore) -> None:
    result = load(db, CORPUS / "drivers_unknown_status.csv")
    rows = stored(db, "drivers", "driver_id", result.batch_id)
    assert rows[10]["status"] == "On Leave"
    assert_flagged(db, "drivers", "driver_id", result, 10, "unknown_enum")
    assert rows[11]["status"] == "Inactive" and rows[11]["_flags"] is None


def test_feedback_sentiment_rating_rules(db: DuckDBStore) -> None:
    result = load(db, CORPUS / "feedback_sentiment_rating.csv")
    [q] = quarantined(db, result.batch_id)
    assert_quarantined(q, rule="out_of_range", source_row=4, column="rating", value="Average")
    assert q["message"].startswith("rating:")
    rows = stored(db, "feedback", "feedback_id", result.batch_id)
    assert set(rows) == {1, 2, 3}
    # a Positive label on a 1-star rating contradicts it: kept, flagged
    assert_flagged(db, "feedback", "feedback_id", result, 2, "sentiment_contradicts_rating")
    assert rows[3]["sentiment"] == "Ecstatic"
    assert_flagged(db, "feedback", "feedback_id", result, 3, "unknown_enum")
    assert rows[1]["_flags"] is None


@pytest.mark.parametrize(
    ("name", "table", "key"),
    [
        ("warehouse_logs_orphans.csv", "warehouse_logs", "log_id"),
        ("fleet_logs_orphans.csv", "fleet_logs", "fleet_log_id"),
        ("feedback_orphans.csv", "feedback", "feedback_id"),
        ("external_factors_orphans.csv", "external_factors", "factor_id"),
    ],
)
def test_a_log_of_an_unknown_order_is_quarantined(
    db: DuckDBStore, name: str, table: str, key: str
) -> None:
    result = load(db, CORPUS / name)
    assert result.domain == table
    [q] = quarantined(db, result.batch_id)
    assert_quarantined(q, rule="unknown_order", source_row=1, column="order_id", value="999")
    assert q["message"].startswith("order_id:")
    assert 11 not in stored(db, table, key, result.batch_id)
    assert len(stored(db, table, key, result.batch_id)) == result.rows_read - 1


def test_unknown_warehouse_and_driver_are_warnings(db: DuckDBStore) -> None:
    wh = load(db, CORPUS / "warehouse_logs_orphans.csv")
    assert stored(db, "warehouse_logs", "log_id", wh.batch_id)[12]["warehouse_id"] == 77
    assert_flagged(db, "warehouse_logs", "log_id", wh, 12, "unknown_warehouse")
    assert stored(db, "warehouse_logs", "log_id", wh.batch_id)[13]["_flags"] is None
    fl = load(db, CORPUS / "fleet_logs_orphans.csv")
    assert_flagged(db, "fleet_logs", "fleet_log_id", fl, 12, "unknown_driver")
    assert stored(db, "fleet_logs", "fleet_log_id", fl.batch_id)[13]["_flags"] is None


def test_an_order_of_an_unknown_client_is_kept_and_flagged(db: DuckDBStore) -> None:
    # the name mentions both orders and client: the header says which it is
    result = load(db, CORPUS / "orders_unknown_client.csv")
    assert result.domain == "orders"
    assert result.rows_quarantined == 0
    assert_flagged(db, "orders", "order_id", result, 501, "unknown_client")
    [issue] = [i for i in issues(db, result.batch_id) if i["record_key"] == "501"]
    assert issue["message"].startswith("client_id:") and "42" in issue["message"]


def test_duplicates_in_one_file(db: DuckDBStore) -> None:
    result = load(db, CORPUS / "orders_duplicates.csv")
    assert (result.rows_read, result.rows_quarantined) == (5, 1)
    # the same key with other values: the later row is quarantined
    [q] = quarantined(db, result.batch_id)
    assert_quarantined(q, rule="duplicate_key", source_row=4, column="order_id", value="95.00")
    assert q["record_key"] == "602"
    # an identical repeat: kept once, the repeat reported as a warning
    counts = dict(db.fetchall("SELECT order_id, count(*) FROM orders GROUP BY 1"))
    assert counts[601] == counts[602] == counts[603] == 1
    rows = stored(db, "orders", "order_id", result.batch_id)
    assert rows[601]["_source_row"] == 1
    assert rows[602]["amount"] == Decimal("80.00") and rows[602]["_source_row"] == 2
    dup = [i for i in issues(db, result.batch_id) if i["rule"] == "duplicate_row"]
    assert [(i["source_row"], i["record_key"]) for i in dup] == [(3, "601")]
    assert dup[0]["message"].startswith("order_id:")


def test_records_with_the_wrong_field_count_are_quarantined(db: DuckDBStore) -> None:
    result = load(db, CORPUS / "orders_wrong_field_count.csv")
    q = quarantined(db, result.batch_id)
    # an unquoted comma shifts the fields: the field count is the cause, not the types
    assert [(r["source_row"], r["rule"]) for r in q] == [
        (2, "too_many_columns"),
        (3, "missing_columns"),
    ]
    assert "Flat 2, Block B" in q[0]["raw"]
    assert q[1]["raw"].startswith("803,2,Meera Iyer")
    assert all("columns" in r["message"].lower() for r in q)
    rows = stored(db, "orders", "order_id", result.batch_id)
    assert {k: r["_source_row"] for k, r in rows.items()} == {801: 1, 804: 4}


def test_formula_like_text_is_kept_as_written_and_flagged(db: DuckDBStore) -> None:
    result = load(db, CORPUS / "orders_formula.csv")
    assert result.rows_quarantined == 0
    rows = stored(db, "orders", "order_id", result.batch_id)
    assert rows[701]["customer_name"] == '=HYPERLINK("http://evil.example/x","Click me")'
    assert_flagged(db, "orders", "order_id", result, 701, "formula_value")
    assert "formula_value:customer_name" in rows[701]["_flags"]
    assert rows[702]["delivery_address_line1"] == "@SUM(A1:A9)"
    assert "formula_value:delivery_address_line1" in rows[702]["_flags"]
    # a minus before a digit is an ordinary value
    assert rows[703]["delivery_address_line1"] == "-12 Lake View"
    assert rows[703]["_flags"] is None


# -- normalisation, encodings, structure ----------------------------------------------------


def test_phones_normalised_and_text_trimmed(db: DuckDBStore) -> None:
    result = load(db, CORPUS / "orders_phones_and_spaces.csv")
    rows = stored(db, "orders", "order_id", result.batch_id)
    for key in (901, 902, 903):  # +91 98220-41780, 09822041780, 9822041780
        assert rows[key]["customer_phone"] == "+919822041780", key
    assert rows[901]["customer_name"] == "Asha Rao"
    assert rows[901]["delivery_address_line1"] == "12 MG Road"
    assert rows[901]["delivery_address_line2"] == "Near City Park"
    assert (rows[901]["city"], rows[901]["pincode"]) == ("Pune", "411001")
    assert rows[904]["customer_phone"] == "ext. 4471"
    assert_flagged(db, "orders", "order_id", result, 904, "unrecognised_phone")
    assert all(rows[k]["_flags"] is None for k in (901, 902, 903))


def test_non_utf8_bytes_quarantine_only_their_record(db: DuckDBStore, tmp_path: Path) -> None:
    path = tmp_path / "orders_latin1.csv"
    lines = [order_line(1101).encode(), order_line(1102, name="Jos\xe9 Pe\xf1a").encode("latin-1")]
    lines.append(order_line(1103).encode())
    path.write_bytes(ORDERS_HEADER.encode() + b"\n" + b"\n".join(lines) + b"\n")
    result = load(db, path)
    assert (result.rows_read, result.rows_quarantined) == (3, 1)
    [q] = quarantined(db, result.batch_id)
    assert_quarantined(
        q, rule="invalid_encoding", source_row=2, column="customer_name", value="1102,1,Jos"
    )
    assert "UTF-8" in q["message"]
    rows = stored(db, "orders", "order_id", result.batch_id)
    assert {k: r["_source_row"] for k, r in rows.items()} == {1101: 1, 1103: 3}


def test_utf8_bom_file_loads(db: DuckDBStore, tmp_path: Path) -> None:
    path = tmp_path / "orders_bom.csv"
    body = f"{ORDERS_HEADER}\n{order_line(1201, name='Zoë Müller')}\n{order_line(1202)}\n"
    path.write_bytes(b"\xef\xbb\xbf" + body.encode("utf-8"))
    result = load(db, path)
    assert (result.rows_read, result.rows_accepted, result.rows_quarantined) == (2, 2, 0)
    rows = stored(db, "orders", "order_id", result.batch_id)
    assert rows[1201]["customer_name"] == "Zoë Müller"
    assert rows[1202]["order_date"] == datetime(2025, 3, 2, 9, 0)


@pytest.mark.parametrize(
    ("cut_after", "rule"),
    [
        # inside a quoted two-line address: the quote is never closed
        ('1303,1,Asha Rao,+919822041780,"Flat 9\nRose Apart', "unterminated_quote"),
        # in the middle of an unquoted field: the record ends early
        ("1303,1,Asha Rao,+919822041780,12 MG Road,,Pu", "missing_columns"),
    ],
    ids=["in_quoted_field", "in_plain_field"],
)
def test_a_file_truncated_mid_record(
    db: DuckDBStore, tmp_path: Path, cut_after: str, rule: str
) -> None:
    path = tmp_path / "orders_truncated.csv"
    good = [order_line(1301), order_line(1302, address='"Flat 1\nLily Apartments"')]
    path.write_bytes(("\n".join([ORDERS_HEADER, *good, cut_after])).encode())
    result = load(db, path)
    assert (result.rows_read, result.rows_accepted, result.rows_quarantined) == (3, 2, 1)
    [q] = quarantined(db, result.batch_id)
    assert_quarantined(q, rule=rule, source_row=3, column=None, value="1303,1,Asha Rao")
    rows = stored(db, "orders", "order_id", result.batch_id)
    assert {k: r["_source_row"] for k, r in rows.items()} == {1301: 1, 1302: 2}
    assert rows[1302]["delivery_address_line1"] == "Flat 1\nLily Apartments"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def test_a_100mb_field_quarantines_its_record_only(db: DuckDBStore, tmp_path: Path) -> None:
    """Generated here (never committed): a 100 MB unquoted field, streamed to disk."""
    path = tmp_path / "orders_huge_field.csv"
    field_bytes = 100 * 2**20
    with path.open("wb") as fh:
        fh.write(f"{ORDERS_HEADER}\n{order_line(1401)}\n".encode())
        fh.write(b"1402,1,Asha Rao,+919822041780,")
        block = b"y" * 2**20
        for _ in range(field_bytes // len(block)):
            fh.write(block)
        fh.write(b",,Pune,Maharashtra,411001,2025-03-02 09:00:00,2025-03-05 09:00:00,,")
        fh.write(b"Pending,COD,120.00,,2025-03-02 09:00:00\n")
        fh.write(f"{order_line(1403)}\n{order_line(1404)}\n".encode())
    before = _peak_rss_mb()
    result = load(db, path)
    grew = _peak_rss_mb() - before
    assert (result.rows_read, result.rows_accepted, result.rows_quarantined) == (4, 3, 1)
    [q] = quarantined(db, result.batch_id)
    assert q["rule"] == "line_too_long"
    assert q["source_row"] == 2
    assert f"{MAX_RECORD_BYTES:,}" in q["message"]
    assert q["raw"].startswith("1402,1,Asha Rao,+919822041780,yyyy")
    assert len(q["raw"]) <= RAW_KEEP_CHARS  # truncated, not 100 MB
    rows = stored(db, "orders", "order_id", result.batch_id)
    assert {k: r["_source_row"] for k, r in rows.items()} == {1401: 1, 1403: 3, 1404: 4}
    # the record was never held whole: the process grew by less than the field
    assert grew < 80, f"peak memory grew by {grew:.0f} MB"
    assert not list((tmp_path / ".dfras-tmp").glob("dfras-shortened-*"))


# -- whole-file refusals: nothing is written -------------------------------------------------


def test_a_missing_required_column_rejects_the_file(db: DuckDBStore) -> None:
    path = CORPUS / "orders_missing_column.csv"
    before = snapshot(db)
    with pytest.raises(FileRejected) as caught:
        load_file(db, path)
    assert str(path) in caught.value.message
    assert "missing required column(s) status" in caught.value.message
    assert caught.value.exit_code == 2
    assert snapshot(db) == before
    # among other files, only the refused one is left out
    report = ingest_paths(db, [path, CORPUS / "orders_negative_amount.csv"])
    by_name = {Path(b.source_file).name: b for b in report.batches}
    refused = by_name["orders_missing_column.csv"]
    assert refused.status == "rejected" and refused.batch_id is None
    assert refused.error is not None and "status" in refused.error
    assert by_name["orders_negative_amount.csv"].status == "committed"
    sources = {r[0] for r in db.fetchall("SELECT source_file FROM ingest_batches")}
    assert str(path) not in sources


def test_a_single_column_header_is_rejected_with_a_delimiter_hint(db: DuckDBStore) -> None:
    path = CORPUS / "orders_wrong_delimiter.csv"
    before = snapshot(db)
    with pytest.raises(FileRejected) as caught:
        load_file(db, path)
    assert "missing required column(s) order_id" in caught.value.message
    assert caught.value.hint is not None and "delimited" in caught.value.hint
    assert snapshot(db) == before


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("orders_semicolon_delimiter.csv", "';'"),
        ("orders_tab_delimiter.tsv", "tab"),
        ("orders_pipe_delimiter.csv", "'|'"),
    ],
)
def test_other_delimiters_are_detected(db: DuckDBStore, name: str, shown: str) -> None:
    result = load(db, CORPUS / name)
    assert f"delimiter {shown} detected from the header" in result.notes
    assert (result.rows_read, result.rows_accepted) == (3, 3)
    rows = stored(db, "orders", "order_id", result.batch_id)
    assert rows[101]["amount"] == Decimal("250.00")
    assert rows[101]["delivery_address_line2"] == "Near City Park"
    assert rows[103]["order_date"] == datetime(2025, 3, 2, 9, 10)


def test_unknown_columns_are_ignored_with_a_note(db: DuckDBStore) -> None:
    result = load(db, CORPUS / "orders_unknown_columns.csv")
    assert "ignored unknown column(s): loyalty_tier, courier_remarks" in result.notes
    assert set(stored(db, "orders", "order_id", result.batch_id)) == {661, 662}
    notes = db.fetchall(
        "SELECT warnings_json FROM ingest_batches WHERE batch_id = ?", [result.batch_id]
    )[0][0]
    assert "loyalty_tier" in json.loads(notes)[0]


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "empty"),
        ("order_id,city\n1,Pune\n".encode("utf-16"), "UTF-16"),
        (b"order_id,client_\xe9d,city\n1,1,Pune\n", "not valid UTF-8"),
    ],
    ids=["empty", "utf16", "header_not_utf8"],
)
def test_an_unreadable_file_is_rejected(
    db: DuckDBStore, tmp_path: Path, content: bytes, says: str
) -> None:
    path = tmp_path / "orders_unreadable.csv"
    path.write_bytes(content)
    before = snapshot(db)
    report = ingest_paths(db, [path])
    [batch] = report.batches
    assert batch.status == "rejected"
    assert batch.error is not None and says in batch.error and str(path) in batch.error
    assert snapshot(db) == before


# -- re-import, upsert, lineage -------------------------------------------------------------


def test_importing_the_same_file_twice_changes_nothing(db: DuckDBStore) -> None:
    path = CORPUS / "orders_negative_amount.csv"
    first = load(db, path)
    before = snapshot(db)
    again = load_file(db, path)
    assert again.status == "skipped" and again.batch_id == first.batch_id
    assert snapshot(db) == before


def test_same_rows_in_other_bytes_change_no_row(db: DuckDBStore, tmp_path: Path) -> None:
    lines = [ORDERS_HEADER, order_line(1501), order_line(1502), order_line(1503)]
    a = tmp_path / "orders_a.csv"
    a.write_text("\n".join(lines) + "\n")
    first = load(db, a)
    orders_before = snapshot(db)["orders"]
    b = tmp_path / "orders_b.csv"  # CRLF line ends, rows in another order
    b.write_bytes(("\r\n".join([lines[0], lines[3], lines[1], lines[2]]) + "\r\n").encode())
    second = load(db, b)
    assert (second.rows_inserted, second.rows_updated, second.rows_unchanged) == (0, 0, 3)
    assert snapshot(db)["orders"] == orders_before
    assert set(stored(db, "orders", "order_id", first.batch_id)) == {1501, 1502, 1503}


def test_a_modified_file_updates_only_the_changed_rows(db: DuckDBStore, tmp_path: Path) -> None:
    path = tmp_path / "orders_2025-03.csv"
    path.write_text("\n".join([ORDERS_HEADER, *(order_line(k) for k in (1601, 1602, 1603))]))
    first = load(db, path)
    assert (first.rows_inserted, first.rows_updated, first.rows_unchanged) == (3, 0, 0)
    path.write_text(
        "\n".join(
            [
                ORDERS_HEADER,
                order_line(1601),
                order_line(1602, name="Asha R. Rao"),
                order_line(1603),
                order_line(1604),
            ]
        )
    )
    second = load(db, path)
    assert (second.rows_inserted, second.rows_updated, second.rows_unchanged) == (1, 1, 2)
    rows = {
        r["order_id"]: r
        for r in dicts(db, "SELECT * FROM orders WHERE order_id BETWEEN 1601 AND 1604")
    }
    assert len(rows) == 4
    assert db.fetchall("SELECT count(*) FROM orders WHERE order_id = 1602")[0][0] == 1
    assert rows[1602]["customer_name"] == "Asha R. Rao"
    assert rows[1602]["_batch_id"] == second.batch_id
    assert rows[1604]["_batch_id"] == second.batch_id
    # unchanged rows keep their original lineage
    assert rows[1601]["_batch_id"] == rows[1603]["_batch_id"] == first.batch_id


def test_lineage_columns_and_batch_row(db: DuckDBStore) -> None:
    path = CORPUS / "orders_negative_amount.csv"
    started = datetime.now().replace(microsecond=0)
    result = load(db, path)
    rows = stored(db, "orders", "order_id", result.batch_id)
    for key, source_row in ((102, 2), (103, 3)):
        row = rows[key]
        assert row["_batch_id"] == result.batch_id
        assert row["_source_row"] == source_row
        assert row["_errors"] is None and row["_raw"] is None
    # the file and the time of a row are its batch's
    [batch] = dicts(db, "SELECT * FROM ingest_batches WHERE batch_id = ?", [result.batch_id])
    assert batch["domain"] == "orders" and batch["source_file"] == str(path)
    assert started - timedelta(seconds=1) <= batch["started_at"] <= datetime.now()
    assert batch["source_bytes"] == path.stat().st_size
    assert (batch["rows_read"], batch["rows_accepted"], batch["rows_quarantined"]) == (3, 2, 1)
    assert (batch["rows_inserted"], batch["rows_warned"]) == (2, 1)
    [q] = quarantined(db, result.batch_id)
    assert (q["source_file"], q["domain"]) == (str(path), "orders")
    assert q["quarantined_at"] == batch["started_at"]
