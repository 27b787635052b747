"""The embedded store keeps nearly-unique text plain, in the domain tables and in the fact, and
loses nothing by it."""

from __future__ import annotations

from pathlib import Path

from dfras.generate import generate
from dfras.ingest.service import ingest_paths
from dfras.query.fact import FACT_TABLE, NEARLY_UNIQUE_COLUMNS, fact_select_sql
from dfras.store.duckdb import DuckDBStore


def _compressions(store: DuckDBStore, table: str, column: str) -> set[str]:
    rows = store.fetchall(
        f"SELECT DISTINCT compression FROM pragma_storage_info('{table}') "
        "WHERE column_name = ? AND segment_type = 'VARCHAR'",
        [column],
    )
    return {str(r[0]) for r in rows}


def test_nearly_unique_columns_are_stored_plain_and_read_back_whole(tmp_path: Path) -> None:
    generate(tmp_path / "data", orders=4000, seed=5)
    store = DuckDBStore(tmp_path / "s.duckdb")
    ingest_paths(store, [tmp_path / "data"], causes=False, alerts=False)
    store.execute("CHECKPOINT")

    assert _compressions(store, "orders", "customer_phone") == {"Uncompressed"}
    assert _compressions(store, "fleet_logs", "vehicle_number") == {"Uncompressed"}
    assert _compressions(store, "drivers", "license_number") == {"Uncompressed"}
    for column in NEARLY_UNIQUE_COLUMNS:
        assert _compressions(store, FACT_TABLE, column) == {"Uncompressed"}
    # the rest is compressed as the engine chooses
    assert "Uncompressed" not in _compressions(store, "orders", "city")
    assert "Uncompressed" not in _compressions(store, FACT_TABLE, "status")

    # every value is there, as imported
    mismatched = store.fetchall(
        f"""SELECT count(*) FROM {FACT_TABLE} f JOIN orders o USING (order_id)
            WHERE f.customer_phone IS DISTINCT FROM o.customer_phone"""
    )[0][0]
    assert mismatched == 0
    phones = store.fetchall(
        "SELECT count(*), count(customer_phone), count(DISTINCT customer_phone) FROM orders"
    )[0]
    assert phones[0] == 4000 and phones[1] > 3000 and phones[2] > 1000
    store.close()


def test_a_table_replaced_with_plain_columns_equals_one_created_as_selected(
    tmp_path: Path,
) -> None:
    generate(tmp_path / "data", orders=1500, seed=8)
    store = DuckDBStore(tmp_path / "s.duckdb")
    ingest_paths(store, [tmp_path / "data"], causes=False, alerts=False)
    select = fact_select_sql()
    store.replace_table("with_plain", select, plain=NEARLY_UNIQUE_COLUMNS)
    store.replace_table("as_selected", select)
    assert store.fetchall("DESCRIBE with_plain") == store.fetchall("DESCRIBE as_selected")
    for a, b in (("with_plain", "as_selected"), ("as_selected", "with_plain")):
        assert store.fetchall(f"SELECT count(*) FROM (FROM {a} EXCEPT ALL FROM {b})")[0][0] == 0
    assert store.fetchall("SELECT count(*) FROM with_plain")[0][0] == 1500
    # replacing again starts from nothing
    store.replace_table("with_plain", select, plain=NEARLY_UNIQUE_COLUMNS)
    assert store.fetchall("SELECT count(*) FROM with_plain")[0][0] == 1500
    store.close()
