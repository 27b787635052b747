"""Scopes: which orders a question is about, on the data's own clock.

A scope is any mix of entity filters (city, state, client, warehouse, driver, partner company,
route) and a period. Periods are inclusive day ranges, absolute or relative to the as-of day D
(PRODUCT.md's glossary): yesterday = D − 1; today = D; past week = the 7 days ending on D;
last month = the previous calendar month; "in August" = the latest August that has begun by D.
A period filters ``order_date`` unless it names another date (delivered, promised).

Example:
    >>> from datetime import date
    >>> resolve_period("last month", as_of=date(2025, 9, 12)).start
    datetime.date(2025, 8, 1)
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from dfras.domain.errors import UserError

DateField = Literal["order_date", "actual_delivery_date", "promised_delivery_date"]

#: Scope filters: name → fact column.
FILTERS: dict[str, str] = {
    "city": "city",
    "state": "state",
    "client_id": "client_id",
    "warehouse_id": "warehouse_id",
    "driver_id": "driver_id",
    "partner_company": "partner_company",
    "route_code": "route_code",
    "event_type": "event_type",
}

_INT_FILTERS = {"client_id", "warehouse_id", "driver_id"}

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})


@dataclass(frozen=True)
class Period:
    """An inclusive range of days on one date field, with the words it came from."""

    start: date
    end: date
    label: str
    date_field: DateField = "order_date"

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "label": self.label,
            "applies_to": self.date_field,
        }


@dataclass
class Scope:
    """The orders an analysis rests on: entity filters and an optional period."""

    filters: dict[str, list[Any]] = field(default_factory=dict)
    period: Period | None = None

    def where(self, alias: str = "") -> tuple[str, list[Any]]:
        """A SQL condition over the delivery fact and its parameters."""
        prefix = f"{alias}." if alias else ""
        parts: list[str] = []
        params: list[Any] = []
        for name, values in sorted(self.filters.items()):
            col = FILTERS[name]
            if not values:
                continue
            marks = ", ".join("?" for _ in values)
            parts.append(f"{prefix}{col} IN ({marks})")
            params.extend(values)
        if self.period is not None:
            col = f"{prefix}{self.period.date_field}"
            parts.append(f"{col} >= ? AND {col} < ?")
            params.extend(
                [
                    datetime.combine(self.period.start, datetime.min.time()),
                    datetime.combine(self.period.end + timedelta(days=1), datetime.min.time()),
                ]
            )
        return (" AND ".join(parts) if parts else "TRUE"), params

    def conditions(self) -> dict[str, Any]:
        """The filters as a mapping from source column to value (a list when several)."""
        return {k: (v[0] if len(v) == 1 else v) for k, v in sorted(self.filters.items()) if v}

    def describe(self) -> str:
        bits = [
            f"{k} = {', '.join(str(x) for x in v)}" for k, v in sorted(self.filters.items()) if v
        ]
        if self.period:
            bits.append(
                f"{self.period.date_field} {self.period.start} to {self.period.end}"
                + (f" ({self.period.label})" if self.period.label else "")
            )
        return "; ".join(bits) if bits else "all orders"

    def to_dict(self) -> dict[str, Any]:
        return {
            "conditions": self.conditions(),
            "period": self.period.to_dict() if self.period else None,
            "description": self.describe(),
        }


def make_scope(
    *,
    period: str | None = None,
    start: str | None = None,
    end: str | None = None,
    date_field: DateField = "order_date",
    as_of: date | None = None,
    **filters: Any,
) -> Scope:
    """A scope from CLI-style options; ``period`` is words, ``start``/``end`` ISO dates."""
    clean: dict[str, list[Any]] = {}
    for name, value in filters.items():
        if value is None or value == [] or value == ():
            continue
        if name not in FILTERS:
            raise UserError(f"unknown scope filter {name!r}", hint=f"use {', '.join(FILTERS)}")
        values = list(value) if isinstance(value, list | tuple) else [value]
        if name in _INT_FILTERS:
            try:
                values = [int(v) for v in values]
            except (TypeError, ValueError) as exc:
                raise UserError(f"{name} must be a number, got {value!r}") from exc
        clean[name] = values
    chosen: Period | None = None
    if start or end:
        try:
            s = date.fromisoformat(start) if start else date(1900, 1, 1)
            e = date.fromisoformat(end) if end else date(9999, 12, 30)
        except ValueError as exc:
            raise UserError(f"bad date: {exc}", hint="write dates as YYYY-MM-DD") from exc
        if e < s:
            raise UserError("the period ends before it starts")
        chosen = Period(s, e, f"{start or '…'} to {end or '…'}", date_field)
    elif period:
        if as_of is None:
            raise UserError("a relative period needs an as-of day")
        chosen = resolve_period(period, as_of=as_of, date_field=date_field)
    return Scope(filters=clean, period=chosen)


def resolve_period(words: str, *, as_of: date, date_field: DateField = "order_date") -> Period:
    """Words for a period ('yesterday', 'past week', 'last month', 'in August', '2025-08')."""
    text = " ".join(words.lower().replace("-", " ").split())
    text = re.sub(r"^(in|during|for|over|of)\s+", "", text)
    d = as_of
    if text in ("today",):
        return Period(d, d, "today", date_field)
    if text in ("yesterday",):
        return Period(d - timedelta(days=1), d - timedelta(days=1), "yesterday", date_field)
    m = re.fullmatch(r"(?:the\s+)?(?:past|last)\s+(\d+)\s+days?", text)
    if m:
        n = int(m.group(1))
        return Period(d - timedelta(days=n - 1), d, f"past {n} days", date_field)
    if text in ("past week", "the past week", "last 7 days", "this week", "last week"):
        if text == "last week":
            # the previous Monday-to-Sunday week
            monday = d - timedelta(days=d.weekday() + 7)
            return Period(monday, monday + timedelta(days=6), "last week", date_field)
        return Period(d - timedelta(days=6), d, "past week", date_field)
    if text in ("last month", "previous month", "the last month", "the previous month"):
        first_this = d.replace(day=1)
        last_prev = first_this - timedelta(days=1)
        return Period(last_prev.replace(day=1), last_prev, "last month", date_field)
    if text in ("this month", "month to date"):
        return Period(d.replace(day=1), d, "this month", date_field)
    if text in ("past month", "the past month", "last 30 days"):
        return Period(d - timedelta(days=29), d, "past 30 days", date_field)
    m = re.fullmatch(r"(\d{4}) (\d{1,2})", text)
    if m:
        y, mo = int(m.group(1)), int(m.group(2))
        return _month(y, mo, f"{y}-{mo:02d}", date_field)
    m = re.fullmatch(r"([a-z]+)(?: (\d{4}))?", text)
    if m and m.group(1) in MONTHS:
        mo = MONTHS[m.group(1)]
        # without a year: the latest such month that has begun by the as-of day
        y = int(m.group(2)) if m.group(2) else (d.year if mo <= d.month else d.year - 1)
        return _month(y, mo, calendar.month_name[mo] + (f" {y}" if m.group(2) else ""), date_field)
    raise UserError(
        f"cannot read the period {words!r}",
        hint="try yesterday, today, past week, last month, past 30 days, 'in August', "
        "2025-08, or --start/--end dates",
    )


def _month(year: int, month: int, label: str, date_field: DateField) -> Period:
    last = calendar.monthrange(year, month)[1]
    return Period(date(year, month, 1), date(year, month, last), label, date_field)
