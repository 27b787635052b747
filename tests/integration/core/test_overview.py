"""The overview read from the daily summaries agrees with the delivery fact, for every kind of
scope (summary dimensions, a period, and scopes only the fact can answer)."""

from __future__ import annotations

from typing import Any

import pytest

from dfras.analysis.scope import make_scope
from dfras.overview.service import overview
from dfras.summaries import service as summaries


def _fact(store: Any, where: str, params: list[Any]) -> dict[str, Any]:
    return store.fetch_dicts(
        f"""SELECT count(*) AS orders, count(*) FILTER (WHERE is_closed) AS closed,
          count(*) FILTER (WHERE is_failed) AS failed,
          count(*) FILTER (WHERE is_returned) AS returned,
          count(*) FILTER (WHERE is_late) AS late,
          count(*) FILTER (WHERE is_delivered) AS delivered,
          count(*) FILTER (WHERE first_attempt_delivered) AS fa,
          coalesce(sum(amount) FILTER (WHERE is_failed OR is_returned), 0) AS lost
        FROM delivery_fact WHERE {where}""",
        params,
    )[0]


def test_summaries_are_built_by_the_import(store: Any) -> None:
    assert summaries.is_current(store)
    assert (
        store.fetchall("SELECT sum(orders) FROM daily_summary")[0][0]
        == store.fetchall("SELECT count(*) FROM delivery_fact")[0][0]
    )
    assert (
        store.fetchall("SELECT sum(orders) FROM daily_cause_summary")[0][0]
        == store.fetchall("SELECT count(*) FROM root_cause_analysis")[0][0]
    )


@pytest.mark.parametrize(
    ("filters", "where"),
    [
        ({}, "TRUE"),
        ({"city": "Mumbai"}, "city = 'Mumbai'"),
        (
            {"warehouse_id": 2, "start": "2025-03-01", "end": "2025-05-31"},
            "warehouse_id = 2 AND order_day BETWEEN DATE '2025-03-01' AND DATE '2025-05-31'",
        ),
        ({"state": "Karnataka"}, "state = 'Karnataka'"),  # not a summary dimension: fact path
    ],
)
def test_overview_matches_the_fact(store: Any, filters: dict[str, Any], where: str) -> None:
    scope = make_scope(**filters)
    got = overview(store, scope)
    want = _fact(store, where, [])
    assert want["orders"] > 0
    assert got["orders"] == want["orders"] and got["closed"] == want["closed"]
    assert got["failure_rate"] == round(want["failed"] / want["closed"], 4)
    assert got["return_rate"] == round(want["returned"] / want["closed"], 4)
    assert got["late_rate"] == round(want["late"] / want["delivered"], 4)
    assert got["first_attempt_rate"] == round(want["fa"] / want["closed"], 4)
    assert got["lost_revenue"] == pytest.approx(float(want["lost"]), abs=0.01)
    assert sum(d["orders"] for d in got["trend"]) == want["orders"]
    assert sum(d["failed"] for d in got["trend"]) == want["failed"]
    causes = store.fetchall(
        f"""SELECT count(*) FROM root_cause_analysis r JOIN delivery_fact f USING (order_id)
            WHERE {where.replace("order_day", "f.order_day")}"""
    )[0][0]
    assert sum(c["orders"] for c in got["top_causes"]) <= causes
    if got["top_causes"]:
        top = got["top_causes"][0]
        assert top["share"] == round(top["orders"] / causes, 4)


def test_overview_shape_and_empty_scope(store: Any) -> None:
    got = overview(store, make_scope(start="1990-01-01", end="1990-01-31"))
    assert got["orders"] == 0 and got["failure_rate"] is None and got["trend"] == []
    last_day = store.fetchall("SELECT max(order_day) FROM delivery_fact")[0][0]
    assert got["alerts"] == [] and got["as_of"] == last_day.isoformat()
    assert set(got["scope"]) == {"conditions", "period", "description"}


def test_summaries_rebuild_lazily_when_data_moves_on(store: Any) -> None:
    store.execute("UPDATE store_meta SET value = value || '+' WHERE key = 'data_version'")
    assert not summaries.is_current(store)
    before = overview(store)["orders"]
    assert summaries.is_current(store)
    assert overview(store)["orders"] == before
