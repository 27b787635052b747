"""Spark and DuckDB give the same answers: the fact, explain, compare, every order's root cause,
the pattern scan and the failure-risk model (its features, metrics and scores) — on the sample
data and on 100k generated orders (one export, one Spark session)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import (
    assert_same_causes,
    assert_same_explanation,
    assert_same_fact,
    assert_same_patterns,
    assert_same_tree,
)
from dfras.analysis.compare import compare
from dfras.analysis.explain import explain
from dfras.analysis.scope import Scope
from dfras.causes import service as causes_service
from dfras.fact import service as fact_service
from dfras.generate import generate
from dfras.ingest.service import ingest_paths
from dfras.lake.export import export_lake
from dfras.patterns import service as patterns
from dfras.predict import service as predict
from dfras.store import open_store
from dfras.store.spark import SparkStore


def _pair(folder: Path, data: Path, spark: Any) -> tuple[Any, SparkStore]:
    duck = open_store(str(folder / "store.duckdb"))
    report = ingest_paths(duck, [data])
    assert not report.rejected
    export_lake(duck, folder / "lake")
    store = SparkStore(folder / "lake", spark=spark)
    # the fact is built by Spark from the raw tables, not read from the export
    fact_service.refresh(store)
    assert (
        store.fetchall("SELECT count(*) FROM delivery_fact")[0][0]
        == duck.fetchall("SELECT count(*) FROM delivery_fact")[0][0]
    )
    return duck, store


@pytest.fixture(scope="module")
def sample_pair(
    sample_data: Path, spark: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Any, SparkStore]]:
    duck, store = _pair(tmp_path_factory.mktemp("sample"), sample_data, spark)
    yield duck, store
    store.close()
    duck.close()


@pytest.mark.sample
def test_sample_fact_matches_order_by_order(sample_pair: tuple[Any, SparkStore]) -> None:
    duck, store = sample_pair
    assert_same_fact(duck, store)
    cols = "order_id, is_closed, is_late, is_overdue, delay_hours, picking_minutes, warehouse_id, partner_company, weekday, feedback_theme, reason_code"
    sql = f"SELECT {cols} FROM delivery_fact ORDER BY order_id"
    d, s = duck.fetchall(sql), store.fetchall(sql)
    assert len(d) == len(s) > 0
    for a, b in zip(d, s, strict=True):
        assert a[:4] == b[:4] and a[6:] == b[6:]
        assert all(
            x == y or abs(float(x) - float(y)) < 1e-9
            for x, y in zip(a[4:6], b[4:6], strict=True)
            if x is not None
        )


@pytest.mark.sample
@pytest.mark.parametrize("outcome", ["failure", "delay"])
def test_sample_explain_is_the_same(sample_pair: tuple[Any, SparkStore], outcome: str) -> None:
    duck, store = sample_pair
    kw: dict[str, Any] = {"outcome": outcome, "windows": True, "triples": True}
    assert_same_explanation(explain(duck, **kw), explain(store, **kw))


@pytest.mark.sample
def test_sample_compare_and_order_causes_are_the_same(sample_pair: tuple[Any, SparkStore]) -> None:
    duck, store = sample_pair
    first, second = (
        r[0]
        for r in duck.fetchall(
            "SELECT city FROM delivery_fact GROUP BY city ORDER BY count(*) DESC, city LIMIT 2"
        )
    )
    a, b = Scope(filters={"city": [first]}), Scope(filters={"city": [second]})
    cd = compare(duck, scope_a=a, scope_b=b, outcome="failure").to_dict()
    cs = compare(store, scope_a=a, scope_b=b, outcome="failure").to_dict()
    cd.pop("seconds"), cs.pop("seconds")
    assert all(s["support"] > 0 for s in cd["scopes"])  # two real cities compared
    assert_same_tree(cd, cs)
    # per-order causes: the exported table, read through Spark
    dc = causes_service.list_causes(duck)
    sc = causes_service.list_causes(store)
    assert [(c.order_id, c.primary_cause) for c in sc] == [
        (c.order_id, c.primary_cause) for c in dc
    ]


@pytest.fixture(scope="module")
def generated_pair(
    spark: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Any, SparkStore]]:
    folder = tmp_path_factory.mktemp("g100k")
    generate(folder / "data", orders=100_000, seed=5)
    duck, store = _pair(folder, folder / "data", spark)
    yield duck, store
    store.close()
    duck.close()


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_100k_fact_and_explain_are_the_same(generated_pair: tuple[Any, SparkStore]) -> None:
    duck, store = generated_pair
    assert_same_fact(duck, store)
    kw: dict[str, Any] = {"outcome": "failure"}
    result = explain(duck, **kw)
    assert result.significant  # planted causes exist: the comparison is not of two empties
    assert_same_explanation(result, explain(store, **kw))


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_100k_order_causes_are_the_same(generated_pair: tuple[Any, SparkStore]) -> None:
    duck, store = generated_pair
    seconds = causes_service.refresh(store)
    assert seconds > 0 and causes_service.is_current(store)
    compared = assert_same_causes(duck, store)
    assert compared > 20_000  # about a quarter of 100k orders failed, returned or were late
    statuses = {
        r[0]
        for r in store.fetchall("SELECT DISTINCT recorded_reason_status FROM root_cause_analysis")
    }
    assert {"confirmed", "contradicted"} <= statuses  # the verdicts are not all alike


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_100k_pattern_scan_is_the_same(generated_pair: tuple[Any, SparkStore]) -> None:
    duck, store = generated_pair
    d, s = patterns.scan(duck), patterns.scan(store)
    assert s.tested == d.tested
    assert patterns.is_current(store)
    # planted bursts, trends and recurring causes: the comparison is not of two empties
    assert assert_same_patterns(duck, store) == len(d.detections) + len(d.correlations) > 20


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_100k_model_and_risk_scores_are_the_same(generated_pair: tuple[Any, SparkStore]) -> None:
    duck, store = generated_pair
    d, s = predict.train_model(duck, seed=0).model, predict.train_model(store, seed=0).model
    assert (s.model_version, s.status) == ("v1", "active")  # registered in the lake's Spark area
    assert s.metrics["test"]["orders"] > 10_000
    assert_same_tree(s.metrics, d.metrics)
    assert_same_tree(s.importance, d.importance)
    assert s.splits == d.splits
    ds, ss = predict.predict_open(duck, top=None), predict.predict_open(store, top=None)
    assert len(ss.orders) == len(ds.orders) > 1000
    assert_same_tree([o.to_dict() for o in ss.orders], [o.to_dict() for o in ds.orders])
    # a second version retires the first, on Spark as on DuckDB
    predict.train_model(store, seed=1)
    assert [(m.model_version, m.status) for m in predict.list_models(store)] == [
        ("v1", "retired"),
        ("v2", "active"),
    ]


@pytest.mark.sample
def test_sample_pattern_scan_finds_the_same_nothing(sample_pair: tuple[Any, SparkStore]) -> None:
    duck, shared = sample_pair
    store = SparkStore(shared.lake, spark=shared.spark)  # this lake's views again (see below)
    d, s = patterns.scan(duck), patterns.scan(store)
    assert s.tested == d.tested and sum(d.tested.values()) > 1000
    assert assert_same_patterns(duck, store) == len(d.detections) + len(d.correlations)


@pytest.mark.sample
def test_spark_job_writes_causes_and_scope_results_matching_duckdb(
    sample_pair: tuple[Any, SparkStore],
) -> None:
    import duckdb

    from dfras.jobs.spark_explain import run_job

    duck, shared = sample_pair
    # temporary views live in the Spark session, which the 100k test's store shares: register
    # this lake's views again before using them
    store = SparkStore(shared.lake, spark=shared.spark)
    top, top_n = duck.fetchall(
        "SELECT partner_company, count(*) FROM delivery_fact WHERE partner_company IS NOT NULL "
        "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1"
    )[0]
    result = run_job(store, kinds=("partner_company",), min_orders=int(top_n), build_fact=False)
    assert result.scopes == 2  # the whole data set and the largest partner
    # the per-order causes were recomputed by Spark (its own table in the lake's Spark area),
    # and agree with DuckDB's order by order
    state = json.loads((shared.lake / "analytics" / "spark" / "_state.json").read_text())
    assert "root_cause_analysis" in state["tables"]
    assert state["meta"]["causes_version"] == store.manifest.data_version
    assert result.causes_seconds > 0
    assert assert_same_causes(duck, store) == result.cause_orders > 1000
    files = sorted(str(p) for p in Path(result.output).glob("results/*.parquet"))
    rows = duckdb.sql(
        f"SELECT scope_kind, scope_value, orders, outcomes, count(segment) AS segments "
        f"FROM read_parquet({files!r}) GROUP BY ALL ORDER BY 1"
    ).fetchall()
    expected = explain(duck, scope=Scope(filters={"partner_company": [top]}), outcome="failure")
    whole = explain(duck, outcome="failure")
    assert rows == [
        ("all", None, whole.support, whole.outcomes, len(whole.segments)),
        ("partner_company", top, expected.support, expected.outcomes, len(expected.segments)),
    ]
