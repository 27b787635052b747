"""Comparisons: the mix and rate parts add up to the difference, attribute by attribute."""

from __future__ import annotations

from typing import Any

import pytest

from dfras.analysis.compare import compare
from dfras.analysis.scope import make_scope


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, make_store: Any) -> Any:
    s, _ = make_store(tmp_path_factory.mktemp("cmp"), orders=20_000, seed=3)
    yield s
    s.close()


@pytest.mark.parametrize("outcome", ["failure", "late", "return"])
def test_decomposition_sums_to_the_difference(store: Any, outcome: str) -> None:
    c = compare(
        store,
        scope_a=make_scope(city=["Pune"]),
        scope_b=make_scope(city=["Chennai"]),
        outcome=outcome,
    )
    d = c.difference["value"]
    a, b = c.scopes
    assert d == pytest.approx(a["rate"] - b["rate"])
    assert c.difference["ci"][0] <= d <= c.difference["ci"][1]
    assert c.decomposition
    for part in c.decomposition:
        assert part["mix"] + part["rate"] == pytest.approx(d, abs=1e-9)
        assert part["attribute"] != "city"


def test_compare_with_the_rest_and_json_shape(store: Any) -> None:
    c = compare(store, scope_a=make_scope(warehouse_id=[30]), scope_b=None, outcome="failure")
    data = c.to_dict()
    assert set(data) >= {"scopes", "difference", "decomposition", "causes", "narrative"}
    assert data["scopes"][1]["description"] == "all other orders"
    assert data["scopes"][0]["support"] + data["scopes"][1]["support"] > 15_000
    shares = sum(x["share_a"] for x in data["causes"])
    assert shares == pytest.approx(1.0)
    assert "Failure rate" in c.narrative


def test_an_empty_scope_says_so(store: Any) -> None:
    from dfras.analysis.explain import explain

    e = explain(store, scope=make_scope(warehouse_id=[999_999]), outcome="failure")
    assert e.support == 0 and not e.significant
    assert "no closed orders in scope" in e.narrative
    assert "warehouse_id = 999999" in e.narrative
