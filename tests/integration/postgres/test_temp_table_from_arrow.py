"""Python results handed back to the engine as a temporary table, on PostgreSQL and DuckDB:
the same rows, scalars typed, nested values (the causes' findings) kept whole."""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

from dfras.store import open_store
from dfras.store.postgres import PostgresStore

_FINDING = pa.struct([("evidence", pa.string()), ("likelihood_ratio", pa.float64())])
_DATA = pa.Table.from_pylist(
    [
        {"pattern": "a|b", "confidence": 0.75, "n": 3, "findings": [
            {"evidence": "line2", "likelihood_ratio": 30.5}]},
        {"pattern": "it's", "confidence": None, "n": 0, "findings": []},
    ],
    schema=pa.schema(
        [("pattern", pa.string()), ("confidence", pa.float64()), ("n", pa.int64()),
         ("findings", pa.list_(_FINDING))]
    ),
)  # fmt: skip


def _rows(store: Any, findings_sql: str) -> list[tuple[Any, ...]]:
    return store.fetchall(
        f"SELECT pattern, confidence, n, {findings_sql} FROM verdicts ORDER BY pattern"
    )


def test_postgres_temp_table_holds_the_rows_with_nested_values_as_json(pg_db: Any) -> None:
    store = PostgresStore(pg_db.service_url, tenant="a")
    try:
        store.temp_table_from_arrow("verdicts", _DATA)
        store.temp_table_from_arrow("verdicts", _DATA)  # replaced, not appended
        rows = _rows(store, "CAST(findings AS VARCHAR)")
        assert [(p, c, n) for p, c, n, _ in rows] == [("a|b", 0.75, 3), ("it's", None, 0)]
        assert [json.loads(f) for *_, f in rows] == [
            [{"evidence": "line2", "likelihood_ratio": 30.5}],
            [],
        ]
    finally:
        store.close()


def test_duckdb_temp_table_keeps_nested_types(tmp_path: Any) -> None:
    store = open_store(str(tmp_path / "s.duckdb"))
    try:
        store.temp_table_from_arrow("verdicts", _DATA)
        store.temp_table_from_arrow("verdicts", _DATA)
        assert _rows(store, "findings[1].likelihood_ratio") == [
            ("a|b", 0.75, 3, 30.5),
            ("it's", None, 0, None),
        ]
    finally:
        store.close()
