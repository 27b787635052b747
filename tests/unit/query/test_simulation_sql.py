"""The simulation's queries compile for PostgreSQL and Spark (written once, DuckDB dialect)."""

from __future__ import annotations

import pytest

from dfras.query import simulation as q
from dfras.query.dialect import compile_sql

QUERIES = {
    "city_days": q.CITY_DAYS,
    "cells": q.CELLS,
    "city_months": q.CITY_MONTHS,
    "warehouse_days": q.WAREHOUSE_DAYS,
    "wait_bins": q.WAIT_BINS,
    "slack": q.SLACK,
    "event_days": q.EVENT_DAYS,
    "causes_recorded": q.CAUSES_RECORDED,
    "causes_per_order": q.CAUSES_PER_ORDER,
    "weather_levels": q.condition_levels("weather_condition"),
}


@pytest.mark.parametrize("engine", ["postgres", "spark"])
@pytest.mark.parametrize("name", sorted(QUERIES))
def test_compiles(name: str, engine: str) -> None:
    out = compile_sql(QUERIES[name], engine)
    assert "delivery_fact" in out
    if engine == "postgres":
        assert "epoch(" not in out.replace("'epoch'", "")


def test_condition_columns_are_checked() -> None:
    with pytest.raises(ValueError, match="not a condition column"):
        q.condition_levels("city; DROP TABLE orders")
