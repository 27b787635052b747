"""Drafting a mapping from an OMS-like export: domains, columns, date formats, values, YAML."""

from __future__ import annotations

import csv
import itertools
import random
from pathlib import Path

import duckdb
import pytest
import yaml

from dfras.domain.errors import UserError
from dfras.domain.tables import DOMAINS, ORDER_STATUSES, PAYMENT_MODES
from dfras.ingest.mapping import Mapping, load_mapping, parse_mapping
from dfras.ingest.suggest import (
    MappingDraft,
    _best_assignment,
    match_columns,
    suggest_mapping,
    value_match,
)

EXPECTED_COLUMNS = {
    "AWB": "order_id",
    "ClientCode": "client_id",
    "Customer": "customer_name",
    "Mobile": "customer_phone",
    "Addr1": "delivery_address_line1",
    "Addr2": "delivery_address_line2",
    "Town": "city",
    "Region": "state",
    "PIN": "pincode",
    "PlacedAt": "order_date",
    "DueBy": "promised_delivery_date",
    "DeliveredAt": "actual_delivery_date",
    "ShipmentStatus": "status",
    "PayType": "payment_mode",
    "Value": "amount",
    "Reason": "failure_reason",
    "CreatedOn": "created_at",
}
OMS_HEADER = list(EXPECTED_COLUMNS)

OMS_ROWS = [
    ["5001", "7", "Asha Rao", "98450 12345", "12, MG Road", "Near Park", "Bengaluru",
     "Karnataka", "012345", "23/04/2025 23:54", "26/04/2025 23:54", "25/04/2025 10:15",
     "delivered", "cash", "1876.15", "", "23/04/2025 23:55"],
    ["5002", "8", "Ravi Kumar", "9845012346", "4 Main St", "", "Mumbai", "Maharashtra",
     "400001", "03/05/2025 09:05", "06/05/2025 09:05", "", "canceled", "online", "250.00",
     "Stockout", "03/05/2025 09:06"],
    ["5003", "7", "Meena S", "09845012347", "7 Lake Rd", "", "Chennai", "Tamil Nadu",
     "600001", "12/05/2025 14:30", "15/05/2025 14:30", "", "rto", "cash", "99.50", "",
     "12/05/2025 14:31"],
    ["5004", "9", "John P", "+919845012348", "9 Hill Rd", "", "Delhi", "Delhi", "110001",
     "13/05/2025 08:00", "16/05/2025 08:00", "", "shipped", "online", "450.00", "",
     "13/05/2025 08:01"],
    ["5005", "8", "Sara M", "9845012349", "1 Beach Rd", "", "Kochi", "Kerala", "682001",
     "14/05/2025 18:45", "17/05/2025 18:45", "", "new", "cash", "1200.00", "",
     "14/05/2025 18:46"],
    ["5006", "9", "Dev A", "9845012350", "2 Fort Rd", "", "Jaipur", "Rajasthan", "302001",
     "02/06/2025 11:00", "05/06/2025 11:00", "04/06/2025 16:20", "Delivered", "CASH",
     "640.00", "", "02/06/2025 11:01"],
]  # fmt: skip


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def export(tmp_path: Path) -> Path:
    folder = tmp_path / "exports"
    folder.mkdir()
    write_csv(folder / "shipments.csv", OMS_HEADER, OMS_ROWS)
    return folder


@pytest.fixture
def draft(export: Path) -> MappingDraft:
    return suggest_mapping([export / "shipments.csv"])


def test_the_file_is_orders_by_its_name(draft: MappingDraft) -> None:
    (f,) = draft.files
    assert (f.domain, f.domain_via) == ("orders", "name")
    assert f.rows_sampled == len(OMS_ROWS)


def test_every_column_is_mapped(draft: MappingDraft) -> None:
    (f,) = draft.files
    assert {m.source: m.canonical for m in f.columns} == EXPECTED_COLUMNS
    assert f.unmatched_columns == []
    assert f.missing_required == []
    assert all(m.confident for m in f.columns)


def test_day_first_dates_are_recognised(draft: MappingDraft) -> None:
    (f,) = draft.files
    formats = {d.column: d.format for d in f.dates}
    assert formats == {
        "order_date": "%d/%m/%Y %H:%M",
        "promised_delivery_date": "%d/%m/%Y %H:%M",
        "actual_delivery_date": "%d/%m/%Y %H:%M",
        "created_at": "%d/%m/%Y %H:%M",
    }
    order_date = next(d for d in f.dates if d.column == "order_date")
    assert order_date.note is None and order_date.parsed == order_date.sampled == len(OMS_ROWS)


def test_status_and_payment_values_are_mapped(draft: MappingDraft) -> None:
    (f,) = draft.files
    values = {g.column: {v.source.lower(): v.canonical for v in g.values} for g in f.values}
    assert values["status"] == {
        "delivered": "Delivered",
        "canceled": "Failed",
        "rto": "Returned",
        "shipped": "In-Transit",
        "new": "Pending",
    }
    assert values["payment_mode"] == {"cash": "COD", "online": "Prepaid"}
    cash = next(v for g in f.values if g.column == "payment_mode" for v in g.values)
    assert (cash.source, cash.rows) == ("cash", 4)  # 'CASH' counted with 'cash'


def test_the_yaml_loads_as_a_mapping(draft: MappingDraft, tmp_path: Path) -> None:
    path = tmp_path / "mapping.yaml"
    path.write_text(draft.to_yaml(), encoding="utf-8")
    mapping = load_mapping(path)
    orders = mapping.domains["orders"]
    assert orders.files == ["shipments.csv"]
    assert orders.columns == EXPECTED_COLUMNS
    assert orders.date_formats["order_date"] == "%d/%m/%Y %H:%M"
    assert orders.values["status"]["canceled"] == "Failed"
    assert orders.values["payment_mode"]["cash"] == "COD"
    assert mapping.domain_for_file(Path("shipments.csv")) == "orders"
    assert yaml.safe_load(draft.to_yaml()) == draft.to_dict()["mapping"]


def test_yaml_carries_scores_as_comments(draft: MappingDraft) -> None:
    text = draft.to_yaml()
    assert '"AWB": "order_id"  # 95 synonym' in text
    assert '"canceled": "Failed"  # 1 row, synonym 95' in text
    assert "# check:" not in text


def test_to_dict_is_plain_data_for_json(draft: MappingDraft) -> None:
    data = draft.to_dict()
    (f,) = data["files"]
    assert f["domain"] == "orders"
    assert {c["source"]: c["canonical"] for c in f["columns"]} == EXPECTED_COLUMNS
    assert f["values"]["status"]["unresolved"] == []
    parse_mapping(data["mapping"])  # checks as a mapping
    assert data["checks"] == []


def test_unresolved_values_and_columns_are_comments_and_the_yaml_still_loads(
    tmp_path: Path,
) -> None:
    rows = [r[:] for r in OMS_ROWS]
    rows[0][12] = "Delivred"  # a typo: fuzzy, to check
    rows[1][12] = "X9"  # a code nothing explains
    header = [*OMS_HEADER[:-1], "Colour"]  # CreatedOn → an unknown column
    path = write_csv(tmp_path / "shipments.csv", header, rows)
    d = suggest_mapping([path])
    (f,) = d.files
    status = next(g for g in f.values if g.column == "status")
    by_source = {v.source: v for v in status.values}
    assert by_source["X9"].canonical is None
    assert (by_source["Delivred"].canonical, by_source["Delivred"].via) == ("Delivered", "fuzzy")
    assert f.unmatched_columns == ["Colour"]
    text = d.to_yaml()
    assert '# check: "X9": ?' in text
    assert '"Delivred": "Delivered"' in text and "check: fuzzy match" in text
    assert '# check: source column "Colour" maps to nothing' in text
    out = tmp_path / "m.yaml"
    out.write_text(text, encoding="utf-8")
    values = load_mapping(out).domains["orders"].values["status"]
    assert "X9" not in values and values["Delivred"] == "Delivered"
    checks = d.checks()
    assert any("values.status.X9: unresolved" in c for c in checks)
    assert any("Colour maps to nothing" in c for c in checks)


def test_missing_required_columns_are_reported(tmp_path: Path) -> None:
    keep = [i for i, h in enumerate(OMS_HEADER) if h not in ("DueBy", "Town")]
    path = write_csv(
        tmp_path / "orders_export.csv",
        [OMS_HEADER[i] for i in keep],
        [[r[i] for i in keep] for r in OMS_ROWS],
    )
    d = suggest_mapping([path])
    assert d.files[0].missing_required == ["city", "promised_delivery_date"]
    assert (
        "# check: orders_export.csv has no source column for required orders column(s) "
        "city, promised_delivery_date" in d.to_yaml()
    )


def test_iso_dates_need_no_format(tmp_path: Path) -> None:
    rows = [[*r[:9], "2025-04-23 23:54:00", "2025-04-26T23:54:00", "", *r[12:]] for r in OMS_ROWS]
    d = suggest_mapping([write_csv(tmp_path / "orders.csv", OMS_HEADER, rows)])
    dates = {g.column: g for g in d.files[0].dates}
    assert dates["order_date"].format is None
    assert dates["promised_delivery_date"].format is None
    assert "actual_delivery_date" not in dates  # no values sampled
    assert "order_date" not in d.to_dict()["mapping"]["domains"]["orders"]["date_formats"]


def test_day_month_ambiguity_is_flagged(tmp_path: Path) -> None:
    header = ["AWB", "ClientCode", "Town", "PlacedAt", "DueBy", "ShipmentStatus"]
    rows = [
        ["1", "7", "Pune", "03/04/2025 10:00", "05/04/2025 10:00", "new"],
        ["2", "7", "Pune", "04/05/2025 10:00", "06/05/2025 10:00", "new"],
    ]
    d = suggest_mapping([write_csv(tmp_path / "orders.csv", header, rows)])
    guess = next(g for g in d.files[0].dates if g.column == "order_date")
    assert guess.format == "%d/%m/%Y %H:%M"
    assert "%m/%d/%Y %H:%M" in guess.candidates
    assert guess.note is not None and "ambiguous" in guess.note
    assert "# check: order_date: day/month order is ambiguous" in d.to_yaml()


def test_an_ambiguous_column_follows_the_rest_of_the_export(tmp_path: Path) -> None:
    header = ["AWB", "ClientCode", "Town", "PlacedAt", "DueBy", "ShipmentStatus"]
    rows = [["1", "7", "Pune", "03/04/2025 10:00", "28/04/2025 10:00", "new"]]
    d = suggest_mapping([write_csv(tmp_path / "orders.csv", header, rows)])
    guess = next(g for g in d.files[0].dates if g.column == "order_date")
    assert (guess.format, guess.note) == ("%d/%m/%Y %H:%M", None)
    assert guess.basis is not None


def test_month_first_dates_are_recognised(tmp_path: Path) -> None:
    header = ["AWB", "ClientCode", "Town", "PlacedAt", "DueBy", "ShipmentStatus"]
    rows = [["1", "7", "Pune", "04/23/2025 10:00 PM", "04/26/2025 9:30 AM", "new"]]
    d = suggest_mapping([write_csv(tmp_path / "orders.csv", header, rows)])
    formats = {g.column: g.format for g in d.files[0].dates}
    assert formats == {
        "order_date": "%m/%d/%Y %I:%M %p",
        "promised_delivery_date": "%m/%d/%Y %I:%M %p",
    }


def test_unparseable_dates_are_a_check(tmp_path: Path) -> None:
    header = ["AWB", "ClientCode", "Town", "PlacedAt", "DueBy", "ShipmentStatus"]
    rows = [["1", "7", "Pune", "yesterday", "2025-04-26 10:00", "new"]]
    d = suggest_mapping([write_csv(tmp_path / "orders.csv", header, rows)])
    guess = next(g for g in d.files[0].dates if g.column == "order_date")
    assert guess.format is None and guess.parsed == 0
    assert guess.note is not None and "'yesterday'" in guess.note
    assert "# check: order_date: no known date format" in d.to_yaml()


def test_a_file_with_an_unknown_name_is_placed_by_its_header(tmp_path: Path) -> None:
    header = ["ClientCode", "ClientName", "GSTIN", "ContactMobile", "Email", "City", "PIN"]
    rows = [["7", "Rao Traders", "29ABCDE1234F1Z5", "9845000001", "a@x.in", "Pune", "411001"]]
    d = suggest_mapping([write_csv(tmp_path / "accounts.csv", header, rows)])
    (f,) = d.files
    assert (f.domain, f.domain_via) == ("clients", "header")
    assert {m.source: m.canonical for m in f.columns}["ContactMobile"] == "contact_phone"


def test_a_file_matching_no_domain_is_a_check(tmp_path: Path) -> None:
    d = suggest_mapping([write_csv(tmp_path / "stuff.csv", ["foo", "bar"], [["1", "2"]])])
    assert d.files[0].domain is None
    text = d.to_yaml()
    assert "# check: stuff.csv: matches no domain" in text
    assert load_mapping_text(tmp_path, text).domains == {}


def test_folders_are_expanded_and_files_of_one_domain_merged(export: Path) -> None:
    write_csv(export / "shipments_2025-06.csv", OMS_HEADER, OMS_ROWS[:2])
    (export / "truth_orders.csv").write_text("x\n1\n")  # generator side file: ignored
    d = suggest_mapping([export])
    assert [f.path.name for f in d.files] == ["shipments.csv", "shipments_2025-06.csv"]
    orders = d.to_dict()["mapping"]["domains"]["orders"]
    assert orders["files"] == ["shipments.csv", "shipments_2025-06.csv"]
    assert '# a pattern such as "shipments_*.csv" would also take later exports' in d.to_yaml()


def test_parquet_files_are_read(tmp_path: Path) -> None:
    csv_path = write_csv(tmp_path / "src.csv", OMS_HEADER, OMS_ROWS)
    target = tmp_path / "shipments.parquet"
    duckdb.sql(
        f"COPY (SELECT * FROM read_csv('{csv_path}', all_varchar=true)) TO '{target}' (FORMAT parquet)"
    )
    d = suggest_mapping([target])
    (f,) = d.files
    assert {m.source: m.canonical for m in f.columns} == EXPECTED_COLUMNS
    assert {g.column: g.format for g in f.dates}["order_date"] == "%d/%m/%Y %H:%M"


def test_sample_rows_limits_the_rows_read(export: Path) -> None:
    d = suggest_mapping([export], sample_rows=2)
    assert d.files[0].rows_sampled == 2


def test_a_missing_path_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        suggest_mapping([tmp_path / "nope.csv"])


def test_a_folder_without_data_files_is_a_user_error(tmp_path: Path) -> None:
    (tmp_path / "readme.md").write_text("hi")
    with pytest.raises(UserError, match="no CSV or Parquet files"):
        suggest_mapping([tmp_path])


def test_each_canonical_column_is_used_once() -> None:
    matches = match_columns(["Mobile", "Phone", "AWB", "OrderNo"], DOMAINS["orders"])
    targets = [m.canonical for m in matches if m.canonical]
    assert sorted(targets) == ["customer_phone", "order_id"]
    assert len([m for m in matches if m.canonical is None]) == 2


def test_a_weaker_name_moves_over_when_that_frees_a_column() -> None:
    matches = match_columns(["order_dt", "created"], DOMAINS["orders"])
    assert [m.canonical for m in matches] == ["order_date", "created_at"]


@pytest.mark.parametrize(
    ("domain", "source", "canonical"),
    [
        ("orders", "OrderNo", "order_id"),
        ("orders", "order_no", "order_id"),
        ("orders", "Order Number", "order_id"),
        ("orders", "awb", "order_id"),
        ("orders", "placed_at", "order_date"),
        ("orders", "created", "order_date"),
        ("orders", "order_ts", "order_date"),
        ("orders", "ETA", "promised_delivery_date"),
        ("orders", "promised_date", "promised_delivery_date"),
        ("orders", "due", "promised_delivery_date"),
        ("orders", "delivered_at", "actual_delivery_date"),
        ("orders", "Delivery Date", "actual_delivery_date"),
        ("orders", "Region", "state"),
        ("orders", "zip", "pincode"),
        ("orders", "Postcode", "pincode"),
        ("orders", "PIN", "pincode"),
        ("orders", "mobile", "customer_phone"),
        ("orders", "phone_no", "customer_phone"),
        ("orders", "cust_phone", "customer_phone"),
        ("drivers", "courier", "partner_company"),
        ("drivers", "Carrier", "partner_company"),
        ("drivers", "3PL", "partner_company"),
        ("drivers", "rider_id", "driver_id"),
        ("fleet_logs", "rider_id", "driver_id"),
        ("warehouse_logs", "hub_id", "warehouse_id"),
        ("warehouses", "HubID", "warehouse_id"),
        ("feedback", "ID", "feedback_id"),
    ],
)
def test_known_names_map(domain: str, source: str, canonical: str) -> None:
    (m,) = match_columns([source], DOMAINS[domain])
    assert m.canonical == canonical
    assert m.confident


@pytest.mark.parametrize(
    ("source", "canonical"),
    [
        ("canceled", "Failed"),
        ("Cancelled", "Failed"),
        ("UNDELIVERED", "Failed"),
        ("RTO-Failed", "Failed"),
        ("rto", "Returned"),
        ("Returned to Origin", "Returned"),
        ("shipped", "In-Transit"),
        ("Out for Delivery", "In-Transit"),
        ("dispatched", "In-Transit"),
        ("in transit", "In-Transit"),
        ("created", "Pending"),
        ("NEW", "Pending"),
        ("processing", "Pending"),
        ("delivered", "Delivered"),
    ],
)
def test_known_statuses_map(source: str, canonical: str) -> None:
    assert value_match(source, "status", ORDER_STATUSES, rows=1).canonical == canonical


@pytest.mark.parametrize(
    ("source", "canonical"),
    [
        ("cod", "COD"),
        ("Cash", "COD"),
        ("prepaid", "Prepaid"),
        ("online", "Prepaid"),
        ("paid", "Prepaid"),
    ],
)
def test_known_payment_modes_map(source: str, canonical: str) -> None:
    assert value_match(source, "payment_mode", PAYMENT_MODES, rows=1).canonical == canonical


def test_driver_statuses_do_not_borrow_order_statuses() -> None:
    enum = DOMAINS["drivers"].column("status").enum
    assert enum is not None
    assert value_match("shipped", "status", enum, rows=1).canonical is None
    assert value_match("enabled", "status", enum, rows=1).canonical == "Active"


def load_mapping_text(folder: Path, text: str) -> Mapping:
    path = folder / "check.yaml"
    path.write_text(text, encoding="utf-8")
    return load_mapping(path)


def test_the_assignment_is_the_best_total() -> None:
    rng = random.Random(7)
    for _ in range(200):
        rows, cols = rng.randint(1, 4), rng.randint(1, 4)
        w = [[rng.choice([0.0, rng.uniform(0, 10)]) for _ in range(cols)] for _ in range(rows)]
        got = _best_assignment(w)
        assert len(set(got.values())) == len(got)
        # every way to give each row a distinct column or none (columns >= cols are "none")
        best = max(
            sum(w[i][j] for i, j in enumerate(choice) if j < cols)
            for choice in itertools.permutations(range(cols + rows), rows)
        )
        assert sum(w[i][j] for i, j in got.items()) == pytest.approx(best)
