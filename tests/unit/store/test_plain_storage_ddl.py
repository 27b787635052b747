"""Columns whose values are nearly all distinct are stored plain by the embedded store only."""

from __future__ import annotations

import re

from dfras.domain.tables import DOMAINS
from dfras.query.dialect import compile_sql
from dfras.query.fact import NEARLY_UNIQUE_COLUMNS, fact_select_sql
from dfras.store.schema import PLAIN_STORAGE, all_ddl, domain_ddl


def _plain_columns(ddl: str) -> set[str]:
    return set(re.findall(rf"(\w+) \w+ {PLAIN_STORAGE}", ddl))


def test_the_embedded_ddl_keeps_exactly_the_nearly_unique_columns_plain() -> None:
    for domain in DOMAINS.values():
        expected = {c.name for c in domain.columns if c.nearly_unique}
        assert _plain_columns(domain_ddl(domain, embedded=True)) == expected
    assert _plain_columns(domain_ddl(DOMAINS["orders"], embedded=True)) == {
        "customer_phone",
        "delivery_address_line1",
    }
    # categorical text (cities, statuses) is left to the engine's compression
    assert "city VARCHAR," in domain_ddl(DOMAINS["orders"], embedded=True)


def test_the_engine_neutral_ddl_has_no_storage_clause() -> None:
    """PostgreSQL and Spark compile the neutral DDL: DuckDB's clause must not reach them."""
    for ddl in all_ddl():
        assert "COMPRESSION" not in ddl
        for engine in ("postgres", "spark"):
            assert "COMPRESSION" not in compile_sql(ddl, engine).upper()
    assert any(PLAIN_STORAGE in ddl for ddl in all_ddl(embedded=True))


def test_the_fact_stores_plain_the_copies_of_nearly_unique_columns() -> None:
    assert NEARLY_UNIQUE_COLUMNS == ("customer_phone", "vehicle_number")
    sql = fact_select_sql()
    sources = {"o": DOMAINS["orders"], "fl": DOMAINS["fleet_logs"]}
    for alias, domain in sources.items():
        for column in domain.columns:
            copied = re.search(rf"^\s+{alias}\.{column.name},$", sql, re.MULTILINE)
            # a nearly-unique column the fact copies as it is must be listed, and only those
            assert (column.name in NEARLY_UNIQUE_COLUMNS) == bool(copied and column.nearly_unique)
