"""Exporting the embedded store to the lake: only changed partitions, manifest last.

How an export keeps the lake readable at every instant:
1. each table's partitions are fingerprinted in the engine (row count and order-independent
   row hashes, with the column list), and compared with the manifest's fingerprints;
2. changed partitions are written into ``_staging/`` and renamed into place under a file name
   that carries their fingerprint, next to (never over) the files the manifest still names;
3. the new manifest replaces the old one atomically;
4. only then are files no manifest names any more deleted.
A crash before step 3 leaves the previous manifest and all its files; leftovers are swept by
the next export. Exporting twice without new imports rewrites nothing.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from dfras.domain.errors import UserError
from dfras.lake.layout import NULL_PARTITION, LakeTable, lake_tables
from dfras.lake.manifest import Manifest, Partition, TableEntry, read_manifest, write_manifest
from dfras.query.dialect import literal
from dfras.store.base import Store
from dfras.store.meta import read_meta
from dfras.store.schema import SCHEMA_VERSION

#: Columns of a source SELECT used only to place rows, not written to the files.
_HELPER_COLUMNS = {"_order_date"}


@dataclass
class TableExport:
    name: str
    layer: str
    rows: int
    partitions: int
    rewritten: int
    removed: int


@dataclass
class ExportReport:
    lake: str
    tables: list[TableExport] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rewritten(self) -> int:
        return sum(t.rewritten for t in self.tables)


def export_lake(
    store: Store,
    lake: Path,
    *,
    on_table: Callable[[str], None] | None = None,
) -> ExportReport:
    """Write the store's tables to ``lake`` (see the module docstring); the fact and the
    per-order causes are brought up to date first."""
    from dfras.causes import service as causes_service
    from dfras.fact import service as fact_service

    if store.engine != "duckdb":
        raise UserError("a lake is exported from the embedded DuckDB store")
    started = time.perf_counter()
    lake = Path(lake)
    lake.mkdir(parents=True, exist_ok=True)
    fact_service.ensure_current(store)
    causes_service.ensure_current(store)
    old = read_manifest(lake, required=False)
    shutil.rmtree(lake / "_staging", ignore_errors=True)
    staging = lake / "_staging" / uuid.uuid4().hex[:12]
    staging.mkdir(parents=True)
    manifest = Manifest(
        schema_version=SCHEMA_VERSION,
        exported_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
        data_version=read_meta(store, "data_version") or "0",
        fact_version=read_meta(store, "fact_version"),
        causes_version=read_meta(store, "causes_version"),
        batches=[
            r[0]
            for r in store.fetchall(
                "SELECT batch_id FROM ingest_batches GROUP BY batch_id ORDER BY min(started_at), batch_id"
            )
        ],
    )
    report = ExportReport(lake=str(lake))
    for table in lake_tables():
        if on_table:
            on_table(table.name)
        before = old.tables.get(table.name) if old else None
        entry, rewritten = _export_table(store, lake, staging, table, before)
        manifest.tables[table.name] = entry
        removed = len(set(before.partitions) - set(entry.partitions)) if before else 0
        report.tables.append(
            TableExport(
                name=table.name,
                layer=table.layer,
                rows=entry.rows,
                partitions=len(entry.partitions),
                rewritten=rewritten,
                removed=removed,
            )
        )
    write_manifest(lake, manifest)
    _sweep(lake, manifest)
    shutil.rmtree(lake / "_staging", ignore_errors=True)
    report.seconds = time.perf_counter() - started
    return report


def _export_table(
    store: Store, lake: Path, staging: Path, table: LakeTable, before: TableEntry | None
) -> tuple[TableEntry, int]:
    described = store.fetchall(f"DESCRIBE {table.source}")
    columns = [(str(r[0]), str(r[1])) for r in described if r[0] not in _HELPER_COLUMNS]
    if before is not None and before.columns != columns:
        before = None  # the schema moved on: every partition is rewritten
    schema_fp = hashlib.sha1(repr(columns).encode()).hexdigest()
    names = ", ".join(f'"{c}"' for c, _ in columns)
    key_sql = _partition_key_sql(table.month)
    stats = store.fetchall(
        f"""SELECT p, count(*), bit_xor(h), sum(h % 1000000007) FROM (
              SELECT {key_sql} AS p, hash({names}) AS h FROM ({table.source}) s) x
            GROUP BY p ORDER BY p"""
    )
    entry = TableEntry(layer=table.layer, columns=columns)
    changed: dict[str, str] = {}
    for key, rows, xor, total in stats:
        digest = hashlib.sha1(f"{schema_fp}:{rows}:{xor}:{total}".encode()).hexdigest()[:16]
        prior = before.partitions.get(key) if before else None
        if prior is not None and prior.hash == digest and _present(lake, prior.files):
            entry.partitions[key] = prior
        else:
            changed[key] = digest
            entry.partitions[key] = Partition(rows=int(rows), hash=digest, files=[])
    if not stats:  # an empty table still gets a file: readers need its columns
        digest = f"empty-{schema_fp[:10]}"
        prior = before.partitions.get("empty") if before else None
        if prior is not None and prior.hash == digest and _present(lake, prior.files):
            entry.partitions["empty"] = prior
        else:
            changed["empty"] = digest
            entry.partitions["empty"] = Partition(rows=0, hash=digest, files=[])
    if not changed:
        return entry, 0
    out = staging / table.name
    out.mkdir(parents=True)
    if table.month is None or "empty" in changed:
        store.execute(
            f"COPY (SELECT {names} FROM ({table.source}) s) TO {literal(str(out / 'data_0.parquet'))} "
            "(FORMAT parquet, COMPRESSION zstd)"
        )
        written = {key: [out / "data_0.parquet"] for key in changed}
    else:
        keys = ", ".join(literal(k) for k in changed)
        ym = _year_month_sql(table.month)
        store.execute(
            f"""COPY (SELECT {names}, {ym} FROM ({table.source}) s
                      WHERE {key_sql} IN ({keys}))
                TO {literal(str(out))} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (year, month))"""
        )
        written = {key: sorted((out / key).glob("*.parquet")) for key in changed}
    for key, digest in changed.items():
        target = lake / table.folder / (key if key not in ("all", "empty") else "")
        target.mkdir(parents=True, exist_ok=True)
        files = []
        for i, src in enumerate(written[key]):
            dst = target / f"part-{digest}-{i}.parquet"
            os.replace(src, dst)
            files.append(str(dst.relative_to(lake)))
        entry.partitions[key].files = files
    return entry, len(changed)


def _partition_key_sql(month: str | None) -> str:
    if month is None:
        return "'all'"
    return (
        f"'year=' || coalesce(strftime({month}, '%Y'), '{NULL_PARTITION}') || "
        f"'/month=' || coalesce(strftime({month}, '%m'), '{NULL_PARTITION}')"
    )


def _year_month_sql(month: str) -> str:
    return (
        f"coalesce(strftime({month}, '%Y'), '{NULL_PARTITION}') AS year, "
        f"coalesce(strftime({month}, '%m'), '{NULL_PARTITION}') AS month"
    )


def _present(lake: Path, files: list[str]) -> bool:
    return bool(files) and all((lake / f).exists() for f in files)


def _sweep(lake: Path, manifest: Manifest) -> None:
    """Delete data files the manifest no longer names (old versions, crashed exports)."""
    keep = {f for t in manifest.tables.values() for f in t.files()}
    for layer in ("raw", "processed"):
        root = lake / layer
        if not root.exists():
            continue
        for path in sorted(root.rglob("*.parquet")):
            if str(path.relative_to(lake)) not in keep:
                path.unlink()
        for folder in sorted(root.rglob("*"), key=lambda p: -len(p.parts)):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
