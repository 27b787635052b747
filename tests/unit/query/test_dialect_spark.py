"""The Spark rules of the query layer's compiler (no Spark needed: compiled text only)."""

from __future__ import annotations

from dfras.query.dialect import compile_sql, split_create_as
from dfras.query.fact import build_fact_sql


def _flat(sql: str) -> str:
    return " ".join(sql.split())


def test_grouping_id_becomes_weighted_grouping_bits() -> None:
    sql = compile_sql(
        "SELECT GROUPING_ID(a, b, c) AS g FROM t GROUP BY GROUPING SETS ((a), (b, c))", "spark"
    )
    assert "GROUPING(a) * 4 + GROUPING(b) * 2 + GROUPING(c)" in _flat(sql)
    assert "GROUPING_ID" not in sql


def test_decimal_literals_become_doubles_integers_stay() -> None:
    sql = _flat(compile_sql("SELECT x / 60.0, x / 60 FROM t", "spark"))
    assert "x / CAST(60.0 AS DOUBLE)" in sql
    assert "x / 60 " in sql + " "


def test_epoch_keeps_fractional_seconds_and_isodow_counts_monday_as_one() -> None:
    sql = _flat(compile_sql("SELECT epoch(ts), EXTRACT(isodow FROM ts) FROM t", "spark"))
    assert "UNIX_MICROS(CAST(ts AS TIMESTAMP)) AS DOUBLE) / 1000000" in sql
    assert "( WEEKDAY(ts) + 1 )" in sql


def test_materialized_hint_dropped() -> None:
    sql = compile_sql("WITH b AS MATERIALIZED (SELECT 1 AS x) SELECT x FROM b", "spark")
    assert "MATERIALIZED" not in sql


def test_list_slice_becomes_slice_with_a_length() -> None:
    sql = _flat(compile_sql("SELECT list_slice(l, 1, 5), list_slice(l, a, b) FROM t", "spark"))
    assert "SLICE(l, 1, ( 5 - 1 ) + 1)" in sql
    assert "SLICE(l, a, ( b - a ) + 1)" in sql
    assert "LIST_SLICE" not in sql


def test_create_as_split_into_name_kind_and_spark_select() -> None:
    temp = split_create_as("CREATE OR REPLACE TEMP TABLE base AS SELECT 1.5 AS x", "spark")
    assert temp is not None
    assert (temp.name, temp.temporary) == ("base", True)
    assert "CAST(1.5 AS DOUBLE)" in temp.select
    fact = split_create_as(build_fact_sql(), "spark")
    assert fact is not None
    assert (fact.name, fact.temporary) == ("delivery_fact", False)
    assert fact.select.lstrip().upper().startswith("WITH")
    assert split_create_as("SELECT 1", "spark") is None
    assert split_create_as("DELETE FROM store_meta WHERE key = ?", "spark") is None


def test_duckdb_text_is_left_as_written() -> None:
    sql = "SELECT GROUPING_ID(a) FROM t GROUP BY GROUPING SETS ((a))"
    assert compile_sql(sql, "duckdb") == sql
