"""The query layer: canonical SQL runs as written on DuckDB and compiles for other engines."""

from __future__ import annotations

import duckdb
import pytest

from dfras.domain.themes import classify_theme, theme_case_sql
from dfras.query.dialect import compile_sql
from dfras.query.fact import build_fact_sql, fact_select_sql


def test_duckdb_is_canonical() -> None:
    sql = "SELECT 1"
    assert compile_sql(sql, "duckdb") is sql


@pytest.mark.parametrize("engine", ["postgres", "spark"])
def test_fact_compiles_for_other_engines(engine: str) -> None:
    compiled = compile_sql(fact_select_sql(), engine)
    flat = " ".join(compiled.split())
    assert "ROW_NUMBER() OVER ( PARTITION BY order_id" in flat
    assert "epoch(" not in compiled  # DuckDB's epoch() is translated


def test_unknown_engine_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown engine"):
        compile_sql("SELECT 1", "oracle")


def test_theme_sql_agrees_with_python() -> None:
    texts = [
        "Package was late, no update from driver.",
        "Package cancelled due to stock issue.",
        "Delivery never came, wrong address issue.",
        "Good service, on time delivery.",
        "meh",
        None,
    ]
    con = duckdb.connect()
    con.execute("CREATE TABLE fb (feedback_text VARCHAR)")
    con.executemany("INSERT INTO fb VALUES (?)", [[t] for t in texts])
    got = [
        r[0] for r in con.execute(f"SELECT {theme_case_sql('feedback_text')} FROM fb").fetchall()
    ]
    assert got == [classify_theme(t) for t in texts]


def test_fact_build_statement_creates_the_table() -> None:
    assert build_fact_sql().startswith("CREATE OR REPLACE TABLE delivery_fact AS")
