"""The PostgreSQL side of the dialect compiler and the tenancy DDL helper (no server needed)."""

from __future__ import annotations

from dfras.query.dialect import compile_statements
from dfras.store.migrations.tenancy import create_tenant_table, pg_columns


def pg(sql: str) -> tuple[str, ...]:
    return compile_statements(sql, "postgres")


def test_parameters_and_percent_signs():
    (stmt,) = pg("SELECT a FROM t WHERE b = ? AND c LIKE '%x%'")
    assert "%s" in stmt and "'%%x%%'" in stmt and "?" not in stmt


def test_create_or_replace_becomes_drop_then_create():
    drop, create = pg("CREATE OR REPLACE TEMP TABLE x AS SELECT 1 AS n")
    assert drop == "DROP TABLE IF EXISTS x"
    assert create.startswith("CREATE TEMPORARY TABLE x AS") and "REPLACE" not in create


def test_unaliased_derived_tables_get_names():
    (stmt,) = pg("SELECT * FROM (SELECT a FROM t) WHERE a IN (SELECT b FROM (SELECT 1 AS b))")
    assert stmt.count("AS _dfras_q") == 2


def test_duckdb_functions_translated():
    (stmt,) = pg(
        "SELECT TRY_CAST(a AS BIGINT), TRY_CAST(a AS TIMESTAMP), contains(a, '+'), "
        "unnest(string_split(x, ';')), json_object('k', a), json_extract_string(r, '$.k') FROM t"
    )
    low = stmt.lower()
    assert "dfras_try_bigint(cast(a as text))" in low
    assert "dfras_try_timestamp(" in low
    assert "strpos(a, '+') > 0" in low
    assert "string_to_array(x, ';')" in low
    assert "json_build_object('k', a)" in low
    assert "cast(r as json)" in low


def test_duckdb_sql_passes_unchanged():
    sql = "SELECT epoch(ts) FROM t WHERE x = ?"
    assert compile_statements(sql, "duckdb") == (sql,)


def test_tenant_table_has_tenant_key_rls_and_grants():
    stmts = create_tenant_table(
        "alerts", "CREATE TABLE alerts (alert_id VARCHAR, n BIGINT)", primary_key=("alert_id",)
    )
    create = stmts[0]
    assert "tenant_id TEXT NOT NULL DEFAULT current_setting('dfras.tenant_id', true)" in create
    assert "PRIMARY KEY (tenant_id, alert_id)" in create
    assert create.index("alert_id") < create.index("tenant_id")  # trailing: positional inserts
    joined = "\n".join(stmts)
    assert "ENABLE ROW LEVEL SECURITY" in joined and "FORCE ROW LEVEL SECURITY" in joined
    assert "WITH CHECK (tenant_id = current_setting('dfras.tenant_id', true))" in joined
    assert "GRANT SELECT, INSERT, UPDATE, DELETE ON alerts TO dfras_service" in joined


def test_pg_columns_maps_types():
    cols = dict(pg_columns("CREATE TABLE t (a VARCHAR, b DOUBLE, c TIMESTAMP, d DECIMAL(5,4))"))
    assert cols == {"a": "TEXT", "b": "DOUBLE PRECISION", "c": "TIMESTAMP", "d": "DECIMAL(5, 4)"}
