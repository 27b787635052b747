"""Row rules evaluated by the engine on small in-memory tables."""

from __future__ import annotations

import duckdb
import pytest

from dfras.domain.tables import DOMAINS
from dfras.ingest.rules import (
    RULES,
    column_checks,
    phone_digits,
    phone_expr,
    phone_ok_expr,
    value_expr,
)


def _eval(expr: str, value: str | None) -> object:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (raw VARCHAR)")
    con.execute("INSERT INTO t VALUES (?)", [value])
    return con.execute(f"SELECT {expr} FROM t").fetchall()[0][0]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+91 98220-41780", "+919822041780"),
        ("09822041780", "+919822041780"),
        ("9822041780", "+919822041780"),
        ("919822041780", "+919822041780"),
        ("0322946722", "+91322946722"),
        ("(0)98220 41780", "+919822041780"),
        ("12345", "12345"),
        (None, None),
    ],
)
def test_phone_normalisation(raw: str | None, expected: str | None) -> None:
    assert _eval(phone_expr("raw", phone_digits("raw")), raw) == expected


@pytest.mark.parametrize(("value", "ok"), [("+919822041780", True), ("12345", False), (None, True)])
def test_phone_recognised(value: str | None, ok: bool) -> None:
    assert _eval(phone_ok_expr("raw"), value) is ok


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Delivered", "Delivered"),
        ("delivered", "Delivered"),
        ("in transit", "In-Transit"),
        ("IN_TRANSIT", "In-Transit"),
        ("Lost", "Lost"),
    ],
)
def test_enum_values_match_forgivingly(raw: str, expected: str) -> None:
    col = DOMAINS["orders"].column("status")
    assert _eval(value_expr(col, "raw", None), raw) == expected


def _tags(domain: str, column: str, value: str | None) -> set[str]:
    col = DOMAINS[domain].column(column)
    con = duckdb.connect()
    con.execute("CREATE TABLE t (raw VARCHAR)")
    con.execute("INSERT INTO t VALUES (?)", [value])
    val = value_expr(col, "raw", None)
    out = set()
    for cond, tag in column_checks(DOMAINS[domain], col, "raw", f"({val})"):
        if con.execute(f"SELECT coalesce({cond}, false) FROM t").fetchall()[0][0]:
            out.add(tag)
    return out


@pytest.mark.parametrize(
    ("domain", "column", "value", "tags"),
    [
        ("orders", "amount", "-5", {"negative_amount:amount"}),
        ("orders", "amount", "0", {"zero_amount:amount"}),
        ("orders", "amount", "12,50", {"bad_type:amount"}),
        ("orders", "status", "Lost", {"bad_enum:status"}),
        ("external_factors", "weather_condition", "Snow", {"unknown_enum:weather_condition"}),
        ("feedback", "rating", "7", {"out_of_range:rating"}),
        ("orders", "order_id", None, {"required_missing:order_id"}),
        ("orders", "customer_name", '=HYPERLINK("http://x")', {"formula_value:customer_name"}),
        ("orders", "customer_name", "-Ravi", {"formula_value:customer_name"}),
        ("orders", "delivery_address_line1", "-12 MG Road", set()),
        ("orders", "order_date", "2025-13-45 10:00:00", {"bad_type:order_date"}),
        ("orders", "order_date", "2025-01-05", set()),
    ],
)
def test_column_rules(domain: str, column: str, value: str | None, tags: set[str]) -> None:
    assert _tags(domain, column, value) == tags


def test_every_tag_names_a_rule() -> None:
    for d in DOMAINS.values():
        for col in d.columns:
            for _, tag in column_checks(d, col, "r", "v"):
                assert tag.split(":")[0] in RULES
