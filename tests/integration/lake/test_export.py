"""Lake export: what is written, idempotence, partial rewrites, and a crash mid-export."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dfras.generate import generate
from dfras.ingest.service import ingest_paths
from dfras.lake import export as export_module
from dfras.lake.export import export_lake
from dfras.lake.manifest import read_manifest
from dfras.store import open_store


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path, Path]:
    root = tmp_path_factory.mktemp("lake")
    generate(root / "data", orders=3000, seed=11)
    store = open_store(str(root / "store.duckdb"))
    report = ingest_paths(store, [root / "data"])
    assert not report.rejected
    return store, root / "lake", root


def _agg(lake: Path, table: str, expr: str) -> tuple[Any, ...]:
    """``expr`` over the table's files as the manifest names them (what a reader sees)."""
    manifest = read_manifest(lake)
    assert manifest is not None
    files = [str(lake / f) for f in manifest.tables[table].files()]
    return tuple(duckdb.sql(f"SELECT {expr} FROM read_parquet({files!r})").fetchall()[0])


def test_export_writes_every_table_partitioned_by_month(exported: tuple[Any, Path, Path]) -> None:
    store, lake, _ = exported
    report = export_lake(store, lake)
    manifest = read_manifest(lake)
    assert manifest is not None
    for name in ("orders", "fleet_logs", "delivery_fact", "root_cause_analysis", "clients"):
        expected = store.fetchall(f"SELECT count(*) FROM {name}")[0][0]
        assert manifest.tables[name].rows == expected
        assert _agg(lake, name, "count(*)")[0] == expected
    keys = set(manifest.tables["orders"].partitions)
    months = store.fetchall("SELECT DISTINCT strftime(order_date, 'year=%Y/month=%m') FROM orders")
    assert keys == {m[0] for m in months}
    for key, part in manifest.tables["orders"].partitions.items():
        assert all(f.startswith(f"raw/orders/{key}/part-") for f in part.files)
    # the data survives the round trip: same amounts, same failed orders
    sums = "sum(amount), count(*) FILTER (WHERE status = 'Failed')"
    assert _agg(lake, "orders", sums) == tuple(store.fetchall(f"SELECT {sums} FROM orders")[0])
    assert (
        manifest.data_version
        == store.fetchall("SELECT value FROM store_meta WHERE key = 'data_version'")[0][0]
    )
    assert manifest.fact_version == manifest.data_version
    assert sorted(manifest.batches) == sorted(
        r[0] for r in store.fetchall("SELECT batch_id FROM ingest_batches")
    )
    assert report.rewritten == sum(len(t.partitions) for t in manifest.tables.values())


def test_second_export_rewrites_nothing(exported: tuple[Any, Path, Path]) -> None:
    store, lake, _ = exported
    export_lake(store, lake)
    before = {p: p.stat().st_mtime_ns for p in lake.rglob("*.parquet")}
    report = export_lake(store, lake)
    assert report.rewritten == 0
    assert {p: p.stat().st_mtime_ns for p in lake.rglob("*.parquet")} == before


def test_new_import_rewrites_only_the_changed_month(exported: tuple[Any, Path, Path]) -> None:
    store, lake, root = exported
    export_lake(store, lake)
    old = read_manifest(lake)
    assert old is not None
    with (root / "data" / "orders.csv").open() as fh:
        reader = csv.DictReader(fh)
        first = next(reader)
        fields = list(reader.fieldnames or [])
    first["amount"] = str(float(first["amount"]) + 1)
    changed = root / "orders_fix.csv"
    with changed.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerow(first)
    assert not ingest_paths(store, [changed]).rejected
    report = export_lake(store, lake)
    by_table = {t.name: t for t in report.tables}
    assert by_table["orders"].rewritten == 1
    for untouched in ("fleet_logs", "warehouse_logs", "clients", "drivers"):
        assert by_table[untouched].rewritten == 0
    assert by_table["delivery_fact"].rewritten == 1
    new = read_manifest(lake)
    assert new is not None
    moved = [
        k
        for k, p in new.tables["orders"].partitions.items()
        if p.hash != old.tables["orders"].partitions[k].hash
    ]
    assert moved == [f"year={first['order_date'][:4]}/month={first['order_date'][5:7]}"]
    # the replaced file is gone; only files the manifest names remain
    named = {f for t in new.tables.values() for f in t.files()}
    on_disk = {str(p.relative_to(lake)) for p in lake.rglob("*.parquet")}
    assert on_disk == named


def test_crash_before_the_manifest_leaves_the_previous_lake_readable(
    exported: tuple[Any, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, lake, root = exported
    export_lake(store, lake)
    old = read_manifest(lake)
    assert old is not None
    count_before = _agg(lake, "orders", "count(*)")[0]
    with (root / "data" / "orders.csv").open() as fh:
        reader = csv.DictReader(fh)
        rows = [r for _, r in zip(range(200), reader, strict=False)]
        fields = list(reader.fieldnames or [])
    for r in rows:
        r["amount"] = str(float(r["amount"]) + 2)
    with (root / "orders_more.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    assert not ingest_paths(store, [root / "orders_more.csv"]).rejected
    sums = "sum(amount)"
    sum_before = _agg(lake, "orders", sums)[0]

    def crash(*_: Any, **__: Any) -> None:
        raise RuntimeError("killed mid-export")

    monkeypatch.setattr(export_module, "write_manifest", crash)
    with pytest.raises(RuntimeError):
        export_lake(store, lake)
    after_crash = read_manifest(lake)
    assert after_crash is not None
    assert after_crash.to_json() == old.to_json()
    assert _agg(lake, "orders", "count(*)")[0] == count_before
    assert _agg(lake, "orders", sums)[0] == sum_before
    monkeypatch.undo()
    export_lake(store, lake)
    assert (
        _agg(lake, "orders", sums)[0]
        == store.fetchall(f"SELECT {sums} FROM orders")[0][0]
        != sum_before
    )
