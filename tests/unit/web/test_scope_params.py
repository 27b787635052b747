"""Dashboard URLs carry a scope the way the CLI's options do, and drill links narrow it."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs

import pytest
from starlette.datastructures import QueryParams

from dfras.domain.errors import UserError
from dfras.web.scope_params import ScopeParams


def test_reads_filters_and_period_into_a_core_scope() -> None:
    sp = ScopeParams.read(QueryParams("city=Pune&city=Chennai&warehouse=7&period=last+month"))
    scope = sp.scope(date(2025, 9, 12))
    assert scope.filters == {"city": ["Pune", "Chennai"], "warehouse_id": [7]}
    assert scope.period is not None
    assert (scope.period.start, scope.period.end) == (date(2025, 8, 1), date(2025, 8, 31))


def test_empty_values_are_no_filter() -> None:
    sp = ScopeParams.read(QueryParams("city=&partner=+&period="))
    assert sp.filters == {} and sp.pairs() == []
    assert sp.scope(date(2025, 9, 12)).describe() == "all orders"


def test_bad_values_are_user_errors() -> None:
    with pytest.raises(UserError, match="warehouse_id must be a number"):
        ScopeParams.read(QueryParams("warehouse=abc")).scope(date(2025, 9, 12))
    with pytest.raises(UserError, match="cannot read the period"):
        ScopeParams.read(QueryParams("period=fortnight")).scope(date(2025, 9, 12))


def test_drilling_down_and_back_up() -> None:
    sp = ScopeParams.read(QueryParams("city=Pune&period=past+week"))
    deeper = sp.with_filter("warehouse_id", 12)
    assert parse_qs(deeper.query(outcome="late")) == {
        "city": ["Pune"],
        "warehouse": ["12"],
        "period": ["past week"],
        "outcome": ["late"],
    }
    assert sp.filters == {"city": ["Pune"]}  # the original is unchanged
    assert parse_qs(deeper.without("city").query()) == {
        "warehouse": ["12"],
        "period": ["past week"],
    }
    assert "period" not in parse_qs(deeper.without("period").query())
    assert [c["label"] for c in deeper.chips()] == ["City", "Warehouse", "Period"]


def test_prefixed_scopes_for_comparisons() -> None:
    q = QueryParams("a_city=Pune&b_city=Chennai&b_period=yesterday")
    a, b = ScopeParams.read(q, prefix="a_"), ScopeParams.read(q, prefix="b_")
    assert a.filters == {"city": ["Pune"]} and a.period == ""
    assert b.filters == {"city": ["Chennai"]} and b.period == "yesterday"
    assert parse_qs(b.query()) == {"b_city": ["Chennai"], "b_period": ["yesterday"]}
