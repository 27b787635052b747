"""Each warning on a kept row is listed in ``row_issues`` with the column it is about and that
column's value, read from the columns the domain's warning rules can name."""

from __future__ import annotations

from pathlib import Path

from dfras.domain.tables import DOMAINS
from dfras.ingest.batch import _checks, _tagged_columns
from dfras.ingest.service import ingest_paths
from dfras.store.duckdb import DuckDBStore

CLIENTS = "client_id,client_name\n1,Acme Retail\n"
ORDERS = (
    "order_id,client_id,customer_name,customer_phone,delivery_address_line1,"
    "delivery_address_line2,city,state,pincode,order_date,promised_delivery_date,"
    "actual_delivery_date,status,payment_mode,amount,failure_reason,created_at\n"
    # a reason on a delivered order
    "1,1,Asha Rao,+919822041780,12 MG Road,,Pune,MH,411001,2025-03-02 09:00:00,"
    "2025-03-05 09:00:00,2025-03-04 09:00:00,Delivered,COD,120.00,Weather disruption,\n"
    # a phone of no known shape, a client nobody imported
    "2,7,Ravi K,12-34,4 FC Road,,Pune,MH,411002,2025-03-02 10:00:00,"
    "2025-03-05 10:00:00,,Pending,Prepaid,80.00,,\n"
    # a spreadsheet formula in a text field
    '3,1,"=HYPERLINK(""http://x.example"")",+919822041781,9 JM Road,,Pune,MH,411003,'
    "2025-03-02 11:00:00,2025-03-05 11:00:00,,Pending,COD,50.00,,\n"
)


def test_tagged_columns_are_those_the_rules_can_name() -> None:
    orders = DOMAINS["orders"]
    present = {c.name: c.name for c in orders.columns}
    warned = _tagged_columns(_checks(orders, present, {}), "warning")
    assert {"failure_reason", "customer_phone", "client_id", "customer_name"} <= set(warned)
    assert "order_id" not in warned and "pincode_area" not in warned
    errored = _tagged_columns(_checks(orders, present, {}), "error")
    assert {"order_id", "status", "amount"} <= set(errored)


def test_each_warning_message_names_its_column_and_value(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "clients.csv").write_text(CLIENTS, encoding="utf-8")
    (data / "orders.csv").write_text(ORDERS, encoding="utf-8")
    store = DuckDBStore(tmp_path / "s.duckdb")
    report = ingest_paths(store, [data], causes=False, alerts=False)
    assert [b.rows_warned for b in report.batches] == [0, 3]
    issues = {
        (int(key), rule): message
        for key, rule, message in store.fetchall(
            "SELECT record_key, rule, message FROM row_issues WHERE domain = 'orders'"
        )
    }
    assert issues[(1, "reason_without_failure")].startswith("failure_reason: ")
    assert issues[(1, "reason_without_failure")].endswith("(value Weather disruption)")
    assert issues[(1, "unknown_failure_reason")].endswith("(value Weather disruption)")
    assert issues[(2, "unrecognised_phone")].startswith("customer_phone: ")
    assert issues[(2, "unknown_client")].endswith("(value 7)")
    assert issues[(3, "formula_value")].startswith("customer_name: ")
    assert '=HYPERLINK("http://x.example")' in issues[(3, "formula_value")]
    store.close()
