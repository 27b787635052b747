"""Order pages (filters, whitelisted sort, paging) and one order's timeline, evidence, cause."""

from __future__ import annotations

from typing import Any

import pytest

from dfras.analysis.scope import make_scope
from dfras.domain.errors import NotFound, UserError
from dfras.orders.service import list_orders, order_detail


def test_pages_partition_the_filtered_orders(store: Any) -> None:
    scope = make_scope(city="Mumbai")
    want = store.fetchall("SELECT count(*) FROM delivery_fact WHERE city = 'Mumbai' AND is_failed")[
        0
    ][0]
    seen: list[int] = []
    page = 1
    while True:
        got = list_orders(
            store,
            scope,
            outcome="failure",
            sort="amount",
            descending=False,
            page=page,
            page_size=40,
        )
        assert got["total"] == want
        seen.extend(i["order_id"] for i in got["items"])
        amounts = [i["amount"] for i in got["items"]]
        assert amounts == sorted(amounts)
        assert all(i["status"] == "Failed" and i["city"] == "Mumbai" for i in got["items"])
        if len(got["items"]) < 40:
            break
        page += 1
    assert len(seen) == len(set(seen)) == want
    assert all(i["primary_cause"] for i in got["items"])


def test_default_sort_is_newest_first(store: Any) -> None:
    got = list_orders(store, page_size=10)
    dates = [i["order_date"] for i in got["items"]]
    assert dates == sorted(dates, reverse=True)
    assert got["total"] == store.fetchall("SELECT count(*) FROM delivery_fact")[0][0]


def test_status_and_cause_filters(store: Any) -> None:
    cause = store.fetchall(
        "SELECT primary_cause FROM root_cause_analysis GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
    )[0][0]
    got = list_orders(store, cause=cause, page_size=5)
    assert (
        got["total"]
        == store.fetchall(
            "SELECT count(*) FROM root_cause_analysis WHERE primary_cause = ?", [cause]
        )[0][0]
    )
    assert {i["primary_cause"] for i in got["items"]} == {cause}
    returned = list_orders(store, status="Returned", page_size=5)
    assert {i["status"] for i in returned["items"]} == {"Returned"}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"sort": "amount; DROP TABLE orders"},
        {"status": "Lost"},
        {"outcome": "meh"},
        {"page": 0},
        {"page_size": 100_000},
    ],
)
def test_bad_parameters_are_refused(store: Any, kwargs: dict[str, Any]) -> None:
    with pytest.raises(UserError):
        list_orders(store, **kwargs)
    assert store.table_exists("orders")


def test_order_detail_of_a_failed_order(store: Any) -> None:
    oid = store.fetchall(
        "SELECT order_id FROM delivery_fact WHERE is_failed AND attempts > 0 ORDER BY order_id LIMIT 1"
    )[0][0]
    got = order_detail(store, oid)
    assert got["order"]["order_id"] == oid and got["order"]["status"] == "Failed"
    stages = [s["stage"] for s in got["timeline"]]
    assert stages[0] == "ordered" and "transit" in stages and "outcome" in stages
    assert set(stages) <= {"ordered", "picking", "dispatch", "transit", "outcome"}
    assert got["cause"]["outcome"] == "failure"
    assert got["evidence"] == got["cause"]["evidence"] and got["evidence"]
    assert got["customer_message"]


def test_on_time_order_has_no_cause_and_unknown_id_is_not_found(store: Any) -> None:
    oid = store.fetchall(
        "SELECT order_id FROM delivery_fact WHERE is_delivered AND NOT is_late LIMIT 1"
    )[0][0]
    got = order_detail(store, oid)
    assert got["cause"] is None and got["evidence"] == {}
    with pytest.raises(NotFound):
        order_detail(store, 987_654_321)
