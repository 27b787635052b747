"""Row rules: how each canonical column is typed and checked, with severity.

An *error* quarantines the row (kept with file, row number, rule and raw content); a *warning*
keeps the row and flags it. Rules are SQL expressions over a staged file, built from the domain
model, so the engine checks millions of rows in one pass; Python only assembles the text.

Every rule has a stable code (used in the quality report, in ``_flags`` and in ``row_issues``)
and a sentence a user can act on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dfras.domain.reference import FAILURE_REASONS
from dfras.domain.tables import Column, Domain
from dfras.query.dialect import literal as _lit

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    text: str


RULES: dict[str, Rule] = {
    r.code: r
    for r in (
        Rule("required_missing", "error", "a required field is empty"),
        Rule("bad_type", "error", "the value cannot be read as the column's type"),
        Rule("bad_enum", "error", "the value is not one of the allowed values"),
        Rule("out_of_range", "error", "the value is outside the allowed range"),
        Rule("negative_amount", "error", "amount is negative"),
        Rule("promised_before_order", "error", "promised_delivery_date is before order_date"),
        Rule("delivered_before_order", "error", "actual_delivery_date is before order_date"),
        Rule("picking_end_before_start", "error", "picking_end is before picking_start"),
        Rule("dispatch_before_picking_end", "error", "dispatch_time is before picking_end"),
        Rule("arrival_before_departure", "error", "arrival_time is before departure_time"),
        Rule("unknown_order", "error", "order_id refers to no known order"),
        Rule("duplicate_key", "error", "the key appears earlier in the file with other values"),
        # reader-level rejects (see store.duckdb)
        Rule("invalid_encoding", "error", "the record has bytes that are not UTF-8"),
        Rule("too_many_columns", "error", "the record has more fields than the header"),
        Rule("missing_columns", "error", "the record has fewer fields than the header"),
        Rule("unterminated_quote", "error", "a quoted value is never closed"),
        Rule("line_too_long", "error", "the record exceeds the maximum record size"),
        Rule("unreadable_record", "error", "the record cannot be parsed"),
        # warnings: kept and flagged
        Rule("unknown_enum", "warning", "the value is not a known one; kept as written"),
        Rule("unknown_failure_reason", "warning", "failure_reason is not a reference reason"),
        Rule("reason_without_failure", "warning", "failure_reason is set on a non-Failed order"),
        Rule("failure_without_reason", "warning", "a Failed order has no failure_reason"),
        Rule("delivered_without_date", "warning", "a Delivered order has no actual_delivery_date"),
        Rule("log_before_order", "warning", "the log starts before its order was placed"),
        Rule(
            "sentiment_contradicts_rating",
            "warning",
            "the sentiment label contradicts the rating",
        ),
        Rule("unknown_client", "warning", "client_id refers to no known client"),
        Rule("unknown_driver", "warning", "driver_id refers to no known driver"),
        Rule("unknown_warehouse", "warning", "warehouse_id refers to no known warehouse"),
        Rule("unrecognised_phone", "warning", "the phone number has no recognised format"),
        Rule("formula_value", "warning", "text starts like a spreadsheet formula"),
        Rule("zero_amount", "warning", "amount is zero"),
        Rule("duplicate_row", "warning", "an identical row appears earlier in the file"),
    )
}

#: Enumerations whose unknown values reject the row (the outcome cannot be read without them).
STRICT_ENUMS = {("orders", "status"), ("orders", "payment_mode")}


def _squash(expr: str) -> str:
    """Lower-case with spaces, hyphens and underscores removed, for forgiving enum matches."""
    return f"lower(regexp_replace({expr}, '[\\s_-]', '', 'g'))"


def value_expr(
    col: Column,
    raw: str,
    date_format: str | None,
    *,
    typed: bool = False,
    digits: str | None = None,
) -> str:
    """SQL giving the typed, normalised value of ``col`` from ``raw``.

    ``raw`` is the trimmed text, or with ``typed`` the value the file reader already typed;
    ``digits`` names an expression (a column, preferably) holding :func:`phone_digits` of
    ``raw``, for phone columns.
    """
    if typed:
        return raw
    if col.type == "int":
        return f"TRY_CAST({raw} AS BIGINT)"
    if col.type == "decimal":
        return f"TRY_CAST({raw} AS DECIMAL(18,2))"
    if col.type == "timestamp":
        if date_format:
            return f"TRY_STRPTIME({raw}, {_lit(date_format)})"
        return f"TRY_CAST({raw} AS TIMESTAMP)"
    if col.normalise == "phone":
        return phone_expr(raw, digits or phone_digits(raw))
    if col.enum:
        arms = " ".join(f"WHEN {_lit(_squash_py(v))} THEN {_lit(v)}" for v in col.enum)
        exact = ", ".join(_lit(v) for v in col.enum)
        return f"CASE WHEN {raw} IN ({exact}) THEN {raw} ELSE (CASE {_squash(raw)} {arms} ELSE {raw} END) END"
    return raw


def _squash_py(value: str) -> str:
    return "".join(ch for ch in value.lower() if ch not in " _-\t")


def phone_digits(raw: str) -> str:
    """The digits and plus signs of a phone number, which :func:`phone_expr` reads."""
    return f"regexp_replace({raw}, '[^0-9+]', '', 'g')"


def phone_expr(raw: str, digits: str) -> str:
    """Indian phone numbers to +91 form; anything unrecognised is kept as written.

    ``digits`` is :func:`phone_digits` of ``raw``, computed once by the caller (a column of
    the query below): the shape checks are then plain string tests, cheap per row, and no
    per-row subquery (a join for the engine) is needed.
    """
    p = digits
    return (
        f"CASE WHEN {raw} IS NULL THEN NULL "
        f"WHEN {p} LIKE '+%' AND length({p}) BETWEEN 9 AND 16 THEN {p} "
        f"WHEN length({p}) = 12 AND {p} LIKE '91%' THEN '+' || {p} "
        f"WHEN length({p}) IN (10, 11) AND {p} LIKE '0%' THEN '+91' || substr({p}, 2) "
        f"WHEN length({p}) = 10 THEN '+91' || {p} ELSE {raw} END"
    )


def phone_ok_expr(value: str) -> str:
    return (
        f"({value} IS NULL OR ({value} LIKE '+%' AND length({value}) BETWEEN 9 AND 16 "
        f"AND NOT contains(substr({value}, 2), '+')))"
    )


def column_checks(
    domain: Domain, col: Column, raw: str, val: str, *, typed: bool = False
) -> list[tuple[str, str]]:
    """(SQL condition true when broken, 'rule:column') pairs for one column.

    With ``typed`` the reader typed the column itself (unreadable values never reach SQL).
    """
    name = col.name
    checks: list[tuple[str, str]] = []
    if col.required:
        checks.append((f"{raw} IS NULL", f"required_missing:{name}"))
    if col.type in ("int", "decimal", "timestamp") and not typed:
        checks.append((f"{raw} IS NOT NULL AND {val} IS NULL", f"bad_type:{name}"))
    if col.enum:
        allowed = ", ".join(_lit(v) for v in col.enum)
        strict = (domain.name, name) in STRICT_ENUMS
        code = "bad_enum" if strict else "unknown_enum"
        checks.append((f"{val} IS NOT NULL AND {val} NOT IN ({allowed})", f"{code}:{name}"))
    if name == "amount":
        checks.append((f"{val} < 0", "negative_amount:amount"))
        checks.append((f"{val} = 0", "zero_amount:amount"))
    elif col.minimum is not None or col.maximum is not None:
        parts = []
        if col.minimum is not None:
            parts.append(f"{val} < {col.minimum:g}")
        if col.maximum is not None:
            parts.append(f"{val} > {col.maximum:g}")
        checks.append((" OR ".join(parts), f"out_of_range:{name}"))
    if col.normalise == "phone":
        checks.append((f"NOT {phone_ok_expr(val)}", f"unrecognised_phone:{name}"))
    elif col.type == "text" and not col.enum:
        # prefix tests first: they compare bytes, where taking the first character decodes
        # the text; the second character is looked at only after a sign
        second = f"substr({val}, 2, 1)"
        checks.append(
            (
                f"({val} LIKE '=%' OR {val} LIKE '@%' OR (({val} LIKE '+%' OR {val} LIKE '-%') "
                f"AND NOT ({second} BETWEEN '0' AND '9' OR {second} IN (' ', '.', ''))))",
                f"formula_value:{name}",
            )
        )
    return checks


def row_checks(domain: Domain) -> list[tuple[str, str]]:
    """Rules across the columns of one row (time order, reason consistency, sentiment)."""
    n = domain.name
    if n == "orders":
        reasons = ", ".join(_lit(r.code.lower()) for r in FAILURE_REASONS)
        return [
            ("promised_delivery_date < order_date", "promised_before_order:promised_delivery_date"),
            ("actual_delivery_date < order_date", "delivered_before_order:actual_delivery_date"),
            (
                f"failure_reason IS NOT NULL AND lower(failure_reason) NOT IN ({reasons})",
                "unknown_failure_reason:failure_reason",
            ),
            (
                "failure_reason IS NOT NULL AND status <> 'Failed'",
                "reason_without_failure:failure_reason",
            ),
            ("status = 'Failed' AND failure_reason IS NULL", "failure_without_reason:status"),
            (
                "status = 'Delivered' AND actual_delivery_date IS NULL",
                "delivered_without_date:actual_delivery_date",
            ),
        ]
    if n == "warehouse_logs":
        return [
            ("picking_end < picking_start", "picking_end_before_start:picking_end"),
            ("dispatch_time < picking_end", "dispatch_before_picking_end:dispatch_time"),
        ]
    if n == "fleet_logs":
        return [("arrival_time < departure_time", "arrival_before_departure:arrival_time")]
    if n == "feedback":
        return [
            (
                "(sentiment = 'Positive' AND rating <= 2) OR (sentiment = 'Negative' AND rating >= 4)",
                "sentiment_contradicts_rating:sentiment",
            )
        ]
    return []


#: Warnings that compare a log with its order: (domain, log time column).
ORDER_TIME_CHECKS = {
    "warehouse_logs": "picking_start",
    "fleet_logs": "departure_time",
}

#: Rule codes for references that do not resolve, by target domain.
REFERENCE_RULES = {
    "orders": "unknown_order",
    "clients": "unknown_client",
    "drivers": "unknown_driver",
    "warehouses": "unknown_warehouse",
}


def describe(code_and_column: str) -> tuple[Rule, str]:
    """The rule and column of a 'rule:column' violation tag."""
    code, _, column = code_and_column.partition(":")
    return RULES[code], column
