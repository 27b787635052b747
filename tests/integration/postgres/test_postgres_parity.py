"""The same data, the same answers: DuckDB and PostgreSQL (as the service role, one tenant)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from dfras.analysis.explain import explain
from dfras.analysis.scope import Scope
from dfras.generate.service import generate
from dfras.ingest.service import ingest_paths
from dfras.quality.report import build_report
from dfras.store.duckdb import DuckDBStore
from dfras.store.postgres import PostgresStore


@pytest.fixture(scope="module")
def stores(pg_db, tmp_path_factory):
    data = tmp_path_factory.mktemp("parity-data")
    generate(data, orders=2000, seed=11)
    # broken records, so the reject and quarantine paths are compared too
    with (data / "orders.csv").open("ab") as fh:
        fh.write(
            b"90001,4,A,0600,x,y,Pune,MH,411001,2025-02-01 10:00:00,2025-02-03 10:00:00,,Pending,COD,not-a-number,,2025-02-01 10:00:00\n"
        )
        fh.write(
            b"90002,4,A,0600,x,y,Pune,MH,411001,2025-02-01 10:00:00,too,many,fields,here,Pending,COD,10,,x,y\n"
        )
        fh.write(
            b"90003,4,A \xff\xfe,0600,x,y,Pune,MH,411001,2025-02-01 10:00:00,2025-02-03 10:00:00,,Pending,COD,10,,2025-02-01 10:00:00\n"
        )
        fh.write(
            b"90004,99999,A,0600,x,y,Pune,MH,411001,2025-02-01 10:00:00,2025-02-03 10:00:00,,Pending,COD,10,,2025-02-01 10:00:00\n"
        )
    duck = DuckDBStore(Path(tmp_path_factory.mktemp("parity-duck")) / "p.duckdb")
    pg = PostgresStore(pg_db.service_url, tenant="a")
    reports = [ingest_paths(s, [data]) for s in (duck, pg)]
    # Explain cuts measured attributes into bins at approximate quantiles, a sketch whose
    # result depends on row order; the PostgreSQL working copy is loaded in order_id order,
    # so the DuckDB fact is put in that order too (same data, same order, same answers).
    duck.execute(
        "CREATE OR REPLACE TABLE delivery_fact AS SELECT * FROM delivery_fact ORDER BY order_id"
    )
    yield duck, pg, reports, data
    duck.close()
    pg.close()


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return (
            a is not None
            and b is not None
            and math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
        )  # type: ignore[arg-type]
    return a == b


def test_batches_agree(stores):
    _, _, (rd, rp), _ = stores
    orders = next(b for b in rp.batches if b.domain == "orders")
    assert orders.rows_quarantined >= 2
    assert [(b.domain, b.status, b.rows_inserted, b.rows_quarantined) for b in rd.batches] == [
        (b.domain, b.status, b.rows_inserted, b.rows_quarantined) for b in rp.batches
    ]


def test_delivery_fact_is_identical(stores):
    duck, pg, _, _ = stores
    cols = [r[0] for r in duck.fetchall("DESCRIBE delivery_fact")]
    sql = f"SELECT {', '.join(cols)} FROM delivery_fact ORDER BY order_id"
    a, b = duck.fetchall(sql), pg.fetchall(sql)
    assert len(a) == len(b) >= 2000
    for ra, rb in zip(a, b, strict=True):
        for col, va, vb in zip(cols, ra, rb, strict=True):
            assert _same(va, vb), (col, ra[0], va, vb)


def test_quality_report_counts_agree(stores):
    duck, pg, _, _ = stores
    qa, qb = build_report(duck).to_dict(), build_report(pg).to_dict()
    strip = ("source_file",)
    for da, db in zip(qa["domains"], qb["domains"], strict=True):
        for key in (
            "domain",
            "rows_read",
            "rows_accepted",
            "rows_warned",
            "rows_quarantined",
            "rows_stored",
            "score",
        ):
            assert da[key] == db[key], (da["domain"], key)
        assert [(r["rule"], r["count"]) for r in da["rules"]] == [
            (r["rule"], r["count"]) for r in db["rules"]
        ]
    assert [(f["code"], f["count"], f["base"]) for f in qa["findings"]] == [
        (f["code"], f["count"], f["base"]) for f in qb["findings"]
    ]
    assert qa["overall_score"] == qb["overall_score"]
    assert strip


def test_explain_agrees(stores):
    duck, pg, _, _ = stores
    for outcome in ("failure", "late"):
        ea, eb = explain(duck, outcome=outcome).to_dict(), explain(pg, outcome=outcome).to_dict()
        assert ea["support"] == eb["support"]
        seg_a = [
            (s["conditions"], s.get("window"), s["support"], s["p_value"]) for s in ea["segments"]
        ]
        seg_b = [
            (s["conditions"], s.get("window"), s["support"], s["p_value"]) for s in eb["segments"]
        ]
        assert seg_a == seg_b
        assert ea["narrative"] == eb["narrative"]
    assert ea["segments"], "the planted causes should give segments to compare"


def test_reimport_is_idempotent_on_postgres(stores):
    _, pg, _, data = stores
    before = pg.fetchall(
        "SELECT count(*), max(value) FROM orders, store_meta WHERE key = 'data_version'"
    )
    again = ingest_paths(pg, [data])
    assert {b.status for b in again.batches} == {"skipped"}
    assert (
        pg.fetchall(
            "SELECT count(*), max(value) FROM orders, store_meta WHERE key = 'data_version'"
        )
        == before
    )


def test_causes_agree(stores):
    from dfras.causes.service import list_causes

    duck, pg, _, _ = stores
    ca = [(c.order_id, c.primary_cause, c.confidence) for c in list_causes(duck)]
    cb = [(c.order_id, c.primary_cause, c.confidence) for c in list_causes(pg)]
    assert ca == cb and ca


def test_failed_import_leaves_nothing_on_postgres(stores, monkeypatch):
    from dfras.ingest import batch

    _, _, _, data = stores
    store = PostgresStore(stores[1].url, tenant="b")
    try:
        before = store.fetchall(
            "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM quarantine), "
            "(SELECT count(*) FROM ingest_batches), (SELECT value FROM store_meta "
            "WHERE key = 'data_version')"
        )

        def boom(*args: object, **kwargs: object) -> None:
            raise RuntimeError("interrupted after the rows landed")

        monkeypatch.setattr(batch, "_write_issues", boom)
        with pytest.raises(RuntimeError):
            batch.load_file(store, data / "orders.csv")
        after = store.fetchall(
            "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM quarantine), "
            "(SELECT count(*) FROM ingest_batches), (SELECT value FROM store_meta "
            "WHERE key = 'data_version')"
        )
        assert after == before
        monkeypatch.undo()
        ok = batch.load_file(store, data / "clients.csv")
        assert ok.status == "committed" and ok.rows_inserted > 0
    finally:
        store.close()


def test_summaries_and_patterns_agree(stores):
    """The import refreshed the daily summaries and the pattern scan on PostgreSQL too
    (computed in a DuckDB copy read through RLS, written back): same rows as on DuckDB."""
    from dfras.patterns import service as patterns
    from dfras.summaries import service as summaries

    duck, pg, (_rd, rp), _ = stores
    assert rp.summaries_seconds is not None and rp.patterns_seconds is not None
    assert summaries.is_current(pg) and patterns.is_current(pg)
    for table, cols in (
        ("daily_summary", "day, city, warehouse_id, partner_company, client_id, orders, failed"),
        ("daily_cause_summary", "day, city, warehouse_id, outcome, cause, orders"),
        ("outcome_series_daily", "entity_column, entity_value, day, closed, failed, late"),
    ):
        sql = f"SELECT {cols} FROM {table} ORDER BY {cols}"
        a, b = duck.fetchall(sql), pg.fetchall(sql)
        assert a == b and a, table
    sql = "SELECT pattern_type, entity_column, entity_value, outcome FROM pattern_detections"
    assert sorted(duck.fetchall(sql)) == sorted(pg.fetchall(sql))
    assert summaries.totals(pg, Scope()) == summaries.totals(duck, Scope())
