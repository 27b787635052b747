"""Mapping files: what ``parse_mapping`` refuses (naming the entry) and that YAML and TOML load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dfras.domain.errors import UserError
from dfras.ingest.mapping import load_mapping, parse_mapping

YAML_TEXT = """\
source: oms
domains:
  orders:
    files: ["shipments_*.csv"]
    columns: {AWB: order_id, PlacedAt: order_date, ShipmentStatus: status}
    date_formats: {order_date: "%d/%m/%Y %H:%M"}
    values:
      status: {canceled: Failed, rto: Returned}
      payment_mode: {cash: COD}
  clients:
    files: accounts.csv
    columns: {ClientCode: client_id}
"""

TOML_TEXT = """\
source = "oms"

[domains.orders]
files = ["shipments_*.csv"]
columns = { AWB = "order_id", PlacedAt = "order_date", ShipmentStatus = "status" }
date_formats = { order_date = "%d/%m/%Y %H:%M" }

[domains.orders.values.status]
canceled = "Failed"
rto = "Returned"

[domains.orders.values.payment_mode]
cash = "COD"

[domains.clients]
files = "accounts.csv"
columns = { ClientCode = "client_id" }
"""


def orders(**spec: Any) -> dict[str, Any]:
    return {"domains": {"orders": spec}}


@pytest.mark.parametrize(
    ("data", "names"),
    [
        ({"domains": {"shipments": {}}}, ["domains.shipments", "not a domain"]),
        (orders(columns={"AWB": "awb_number"}), ["domains.orders.columns.AWB", "'awb_number'"]),
        (orders(date_formats={"city": "%d/%m/%Y"}), ["domains.orders.date_formats.city"]),
        (orders(date_formats={"nope": "%d/%m/%Y"}), ["domains.orders.date_formats.nope"]),
        (
            orders(values={"status": {"canceled": "Cancelled"}}),
            ["domains.orders.values.status.canceled", "'Cancelled'", "Failed"],
        ),
        (orders(values={"colour": {"red": "Red"}}), ["domains.orders.values.colour"]),
        ({"orders": {}}, ["top-level 'domains'"]),
    ],
    ids=[
        "unknown-domain",
        "unknown-column",
        "format-on-text-column",
        "format-on-unknown-column",
        "value-not-in-enum",
        "values-of-unknown-column",
        "no-domains-table",
    ],
)
def test_parse_mapping_rejects_naming_the_entry(data: Any, names: list[str]) -> None:
    with pytest.raises(UserError) as caught:
        parse_mapping(data, where="m.yaml")
    assert caught.value.message.startswith("m.yaml: ")
    for name in names:
        assert name in caught.value.message


def test_unknown_domain_hint_lists_the_domains() -> None:
    with pytest.raises(UserError) as caught:
        parse_mapping({"domains": {"shipments": {}}})
    assert caught.value.hint is not None and "orders" in caught.value.hint


def test_values_of_a_text_column_may_be_anything() -> None:
    mapping = parse_mapping(orders(values={"city": {"BLR": "Bengaluru"}}))
    assert mapping.domains["orders"].values == {"city": {"BLR": "Bengaluru"}}


@pytest.mark.parametrize(("name", "text"), [("m.yaml", YAML_TEXT), ("m.toml", TOML_TEXT)])
def test_yaml_and_toml_load_the_same_mapping(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    mapping = load_mapping(path)
    assert mapping.path == str(path)
    assert mapping.source == "oms"
    o = mapping.domains["orders"]
    assert o.files == ["shipments_*.csv"]
    assert o.columns == {"AWB": "order_id", "PlacedAt": "order_date", "ShipmentStatus": "status"}
    assert o.date_formats == {"order_date": "%d/%m/%Y %H:%M"}
    assert o.values == {
        "status": {"canceled": "Failed", "rto": "Returned"},
        "payment_mode": {"cash": "COD"},
    }
    assert mapping.domains["clients"].files == ["accounts.csv"]
    assert mapping.domain_for_file(Path("exports/shipments_2025-04.csv")) == "orders"
    assert mapping.domain_for_file(Path("accounts.csv")) == "clients"
    assert mapping.domain_for_file(Path("other.csv")) is None


def test_canonical_header_matches_mapped_and_canonical_names(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(YAML_TEXT, encoding="utf-8")
    o = load_mapping(path).domains["orders"]
    header = ["awb", "PlacedAt", "ShipmentStatus", "City", "Extra"]
    assert o.canonical_header(header) == {
        "order_id": "awb",
        "order_date": "PlacedAt",
        "status": "ShipmentStatus",
        "city": "City",
    }


@pytest.mark.parametrize(
    "text",
    ["domains:\n  orders: [a, b]\n", "domains:\n  orders:\n    columns: [AWB]\n"],
    ids=["domain-as-list", "columns-as-list"],
)
def test_a_section_that_is_not_a_table_is_a_user_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match="orders"):
        load_mapping(path)


def test_an_unknown_strptime_directive_is_rejected() -> None:
    with pytest.raises(UserError, match=r"date_formats\.order_date"):
        parse_mapping(orders(date_formats={"order_date": "%d/%m/%Q"}))


def test_a_yaml_boolean_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("domains:\n  orders:\n    values:\n      payment_mode: {yes: Prepaid}\n")
    with pytest.raises(UserError, match=r"values\.payment_mode"):
        load_mapping(path)
