"""Periods on the data's own clock, and scope conditions."""

from __future__ import annotations

from datetime import date

import pytest

from dfras.analysis.scope import make_scope, resolve_period
from dfras.domain.errors import UserError

D = date(2025, 9, 12)


@pytest.mark.parametrize(
    ("words", "start", "end"),
    [
        ("yesterday", date(2025, 9, 11), date(2025, 9, 11)),
        ("today", D, D),
        ("past week", date(2025, 9, 6), D),
        ("last month", date(2025, 8, 1), date(2025, 8, 31)),
        ("in August", date(2025, 8, 1), date(2025, 8, 31)),
        ("in October", date(2024, 10, 1), date(2024, 10, 31)),
        ("september", date(2025, 9, 1), date(2025, 9, 30)),
        ("past 3 days", date(2025, 9, 10), D),
        ("2025-02", date(2025, 2, 1), date(2025, 2, 28)),
        ("August 2024", date(2024, 8, 1), date(2024, 8, 31)),
    ],
)
def test_relative_periods(words: str, start: date, end: date) -> None:
    p = resolve_period(words, as_of=D)
    assert (p.start, p.end) == (start, end)


def test_unknown_period_is_a_user_error() -> None:
    with pytest.raises(UserError, match="period"):
        resolve_period("the monsoon", as_of=D)


def test_scope_where_and_conditions() -> None:
    s = make_scope(city=["Pune"], warehouse_id=[3], start="2025-08-01", end="2025-08-31")
    where, params = s.where()
    assert "city IN (?)" in where and "warehouse_id IN (?)" in where
    assert params[:2] == ["Pune", 3]
    assert s.conditions() == {"city": "Pune", "warehouse_id": 3}
    assert s.to_dict()["period"]["start"] == "2025-08-01"
    assert s.to_dict()["period"]["applies_to"] == "order_date"


def test_bad_filter_values() -> None:
    with pytest.raises(UserError):
        make_scope(warehouse_id=["B"])
    with pytest.raises(UserError):
        make_scope(start="2025-09-01", end="2025-08-01")
