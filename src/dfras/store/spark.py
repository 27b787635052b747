"""The Spark store: the lake's Parquet as views of a SparkSession, queries compiled to Spark SQL.

Every query is the canonical one, compiled by :mod:`dfras.query.dialect`; this module adds only
what an engine without transactions or mutable tables needs:
- the lake's tables are registered as temporary views over the files its manifest names
  (never by listing folders, so a half-finished export is never read);
- ``CREATE TABLE ... AS SELECT`` writes the result as Parquet and registers a view over it:
  temporary tables under ``analytics/_scratch/`` (removed on DROP and close), others (the
  delivery fact Spark builds) under ``analytics/spark/`` where later sessions find them;
- ``store_meta`` (a handful of version keys) is held here and persisted beside the analytics
  tables; its two statements (delete a key, insert a key) are the only DML it takes.
Results reach Python only through ``fetch*``, which callers use on aggregated queries.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa

from dfras.domain.errors import UserError
from dfras.lake.manifest import read_manifest
from dfras.query.dialect import compile_sql, split_create_as
from dfras.store.base import RejectedRecord
from dfras.store.schema import all_ddl

DEFAULT_MASTER = "local[*]"
#: Versions of derived tables, and the tables each one describes.
_DERIVED: dict[str, tuple[str, ...]] = {
    "fact_version": ("delivery_fact",),
    "causes_version": ("root_cause_analysis",),
    "series_version": ("outcome_series_daily", "outcome_series_hourly"),
    "patterns_version": ("pattern_detections", "event_correlations"),
}
#: Tables Spark keeps whatever the data version: the model registry and the latest scores.
_DURABLE = ("models", "model_performance", "order_predictions")
#: Result tables a recompute or a registration reads back (to keep what it keeps: resolution
#: states, first-seen times, earlier model versions); registered empty when the lake has none.
_RESULTS = ("root_cause_analysis", "pattern_detections", "event_correlations", *_DURABLE)
_META_DELETE = re.compile(r"^\s*DELETE\s+FROM\s+store_meta\s+WHERE\s+key\s*=\s*\?\s*$", re.I)
_META_INSERT = re.compile(
    r"^\s*INSERT\s+INTO\s+store_meta\s+VALUES\s*\(\s*\?\s*,\s*\?\s*\)\s*$", re.I
)
_DROP = re.compile(r"^\s*DROP\s+(?:TABLE|VIEW)\s+IF\s+EXISTS\s+(\w+)\s*$", re.I)


def spark_session(master: str | None = None, *, app_name: str = "dfras") -> Any:
    """A SparkSession set up for DFRAS's SQL (get-or-create: one per process).

    UTC session time (stored timestamps carry no zone), ANSI mode off (division by zero is NULL,
    as in DuckDB), JSON that keeps null fields (as DuckDB's ``to_json`` does), no UI, no
    console progress. ``DFRAS_SPARK_SHUFFLE_PARTITIONS`` and
    ``DFRAS_SPARK_DRIVER_MEMORY`` tune a local session; on a cluster spark-submit's own
    settings win.
    """
    import warnings

    # PySpark warns about the installed pandas on import; DFRAS does not use pandas with Spark
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - pyspark is a dependency
        raise UserError(
            "the Spark engine needs pyspark", hint="pip install 'pyspark>=3.5'"
        ) from exc
    builder = (
        SparkSession.builder.appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.sql.jsonGenerator.ignoreNullFields", "false")
        .config(
            "spark.sql.shuffle.partitions", os.environ.get("DFRAS_SPARK_SHUFFLE_PARTITIONS", "8")
        )
        .config("spark.driver.memory", os.environ.get("DFRAS_SPARK_DRIVER_MEMORY", "1g"))
    )
    if master:
        builder = builder.master(master)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # Java missing, master unreachable
        raise UserError(
            f"cannot start Spark ({master or 'spark-submit master'}): {exc}",
            hint="Spark needs Java 17 (`apt-get install openjdk-17-jre-headless`) and a "
            "reachable --spark-master",
        ) from exc
    session.sparkContext.setLogLevel("ERROR")
    return session


class SparkStore:
    """A store over a lake folder, run by Spark."""

    engine = "spark"

    def __init__(self, lake: str | Path, *, spark: Any = None, master: str | None = None) -> None:
        self.lake = Path(lake)
        self.location = str(self.lake)
        manifest = read_manifest(self.lake)
        assert manifest is not None
        self.manifest = manifest
        self.spark = spark if spark is not None else spark_session(master or DEFAULT_MASTER)
        self._scratch = self.lake / "analytics" / "_scratch" / uuid.uuid4().hex[:12]
        self._temp: dict[str, Path] = {}
        self._meta: dict[str, str] = {
            "schema_version": str(manifest.schema_version),
            "data_version": manifest.data_version,
        }
        for name, entry in manifest.tables.items():
            files = [str(self.lake / f) for f in entry.files()]
            key = _version_key(name)
            if key is not None and getattr(manifest, key, None) == manifest.data_version:
                self._meta[key] = manifest.data_version
            # a derived table exported stale is registered all the same (a recompute keeps the
            # resolution work recorded in it), but without its version: readers rebuild it
            self.spark.read.parquet(*files).createOrReplaceTempView(name)
        self._register_analytics()
        for name in _RESULTS:
            if not self.table_exists(name):
                self._register_empty(name)
        self._publish_meta()

    # -- the Store protocol ---------------------------------------------------------------

    def index_for_lookup(self, table: str, column: str) -> None:
        """Nothing to do: Parquet has no indexes (row-group statistics prune what they can)."""

    def drop_index_for_lookup(self, table: str, column: str) -> None:
        """Nothing to do: Parquet has no indexes."""

    def rebuilding(self) -> contextlib.AbstractContextManager[None]:
        """Nothing to do: the lake's Parquet files are written once."""
        return contextlib.nullcontext()

    def statement_progress(self) -> float | None:
        """None: Spark's progress is in its own UI (stages and tasks), not reported here."""
        return None

    def replace_table(self, name: str, select_sql: str, *, plain: Sequence[str] = ()) -> None:
        """(Re)create ``name`` from ``select_sql`` (Parquet in the lake's analytics area, whose
        writer picks each column's encoding itself: ``plain`` is not needed)."""
        self.execute(f"CREATE OR REPLACE TABLE {name} AS {select_sql}")

    def temp_table_from_arrow(self, name: str, data: pa.Table) -> None:
        """A temporary view over ``data`` shipped to the executors (it is small by contract)."""
        self._drop(name)
        self.spark.createDataFrame(data).createOrReplaceTempView(name)

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        args = list(params or [])
        if _META_DELETE.match(sql):
            self._meta.pop(str(args[0]), None)
            self._publish_meta()
            return
        if _META_INSERT.match(sql):
            self._meta[str(args[0])] = str(args[1])
            self._publish_meta()
            self._persist_meta()
            return
        dropped = _DROP.match(sql)
        if dropped:
            self._drop(dropped.group(1))
            return
        create = split_create_as(sql, self.engine)
        if create is None:
            raise UserError(
                "the Spark store runs queries and CREATE TABLE AS only",
                hint="import and edit data in the embedded store, then `dfras lake export`",
            )
        df = self.spark.sql(create.select, args=args or None)
        self._drop(create.name)
        if create.temporary:
            path = self._scratch / create.name
        else:
            path = self.lake / "analytics" / "spark" / f"{create.name}-{uuid.uuid4().hex[:12]}"
        df.write.mode("overwrite").parquet(str(path))
        self.spark.read.parquet(str(path)).createOrReplaceTempView(create.name)
        if create.temporary:
            self._temp[create.name] = path
        else:
            self._record_table(create.name, path)

    def fetchall(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self._df(sql, params).collect()]

    def fetch_dicts(self, sql: str, params: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        df = self._df(sql, params)
        names = df.columns
        return [dict(zip(names, tuple(r), strict=True)) for r in df.collect()]

    def fetch_arrow(self, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        table = self._df(sql, params).toArrow()
        return table if isinstance(table, pa.Table) else pa.Table.from_batches(table)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """No transactions in Spark: each derived table is replaced whole (written aside, then
        its view and pointer switched), which is what the callers' transactions protect."""
        yield

    def table_exists(self, name: str) -> bool:
        return bool(self.spark.catalog.tableExists(name))

    def file_reader(
        self,
        path: Path,
        *,
        columns: Sequence[tuple[str, str]],
        delimiter: str,
        file_format: str,
    ) -> str:
        raise UserError(
            "files are imported by the embedded engine, not by Spark",
            hint="use `dfras ingest --lake DIR PATH` (or ingest, then `dfras lake export DIR`)",
        )

    def read_ahead(
        self,
        path: Path,
        *,
        columns: Sequence[tuple[str, str]],
        delimiter: str,
        file_format: str,
    ) -> None:
        return None  # Spark reads no files (see file_reader)

    def category_type(self, values: Sequence[str]) -> str | None:
        return None  # Spark has no enumerated type; its working tables keep text

    def take_rejects(self) -> list[RejectedRecord]:
        return []

    def row_hash_sql(self, expressions: Sequence[str]) -> str:
        return f"CAST(xxhash64({', '.join(expressions)}) AS VARCHAR)"

    def distinct_count_sql(self, column: str, low: int, high: int) -> str:
        return f"count(DISTINCT {column})"

    def size_bytes(self) -> int | None:
        return sum(
            (self.lake / f).stat().st_size
            for t in self.manifest.tables.values()
            for f in t.files()
            if (self.lake / f).exists()
        )

    def close(self) -> None:
        for name in list(self._temp):
            self._drop(name)
        shutil.rmtree(self._scratch, ignore_errors=True)

    # -- helpers ------------------------------------------------------------------------

    def _df(self, sql: str, params: Sequence[Any] | None) -> Any:
        return self.spark.sql(compile_sql(sql, self.engine), args=list(params) if params else None)

    def _drop(self, name: str) -> None:
        self.spark.catalog.dropTempView(name)
        path = self._temp.pop(name, None)
        if path is not None:
            shutil.rmtree(path, ignore_errors=True)

    def _register_empty(self, name: str) -> None:
        """An empty view of ``name`` with its schema's columns (a lake exported before the
        table existed): what a first recompute reads as the table's previous state."""
        import sqlglot
        from sqlglot import exp

        ddl = next(d for d in all_ddl() if re.search(rf"\bEXISTS\s+{name}\s*\(", d))
        tree = sqlglot.parse_one(ddl, read="duckdb")
        columns = ", ".join(
            f"{c.name} {c.args['kind'].sql(dialect='spark')}" for c in tree.find_all(exp.ColumnDef)
        )
        self.spark.createDataFrame([], columns).createOrReplaceTempView(name)

    def _publish_meta(self) -> None:
        rows = sorted(self._meta.items())
        self.spark.createDataFrame(rows, "key STRING, value STRING").createOrReplaceTempView(
            "store_meta"
        )

    # analytics/spark/_state.json: {"tables": {name: folder}, "meta": {key: version}}
    def _state_path(self) -> Path:
        return self.lake / "analytics" / "spark" / "_state.json"

    def _read_state(self) -> dict[str, Any]:
        path = self._state_path()
        if not path.exists():
            return {"tables": {}, "meta": {}}
        return dict(json.loads(path.read_text()))

    def _write_state(self, state: dict[str, Any]) -> None:
        path = self._state_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=1))
        os.replace(tmp, path)

    def _record_table(self, name: str, path: Path) -> None:
        state = self._read_state()
        old = state["tables"].get(name)
        state["tables"][name] = path.name
        state["meta"].pop(_version_key(name) or "", None)
        self._write_state(state)
        if old and old != path.name:
            shutil.rmtree(path.parent / old, ignore_errors=True)

    def _persist_meta(self) -> None:
        state = self._read_state()
        for key, tables in _DERIVED.items():
            if key in self._meta and all(t in state["tables"] for t in tables):
                state["meta"][key] = self._meta[key]
        self._write_state(state)

    def _register_analytics(self) -> None:
        """Tables Spark built in earlier sessions: derived ones where built from the lake's
        current data, the model registry always."""
        state = self._read_state()
        folder = self._state_path().parent
        for key, tables in _DERIVED.items():
            kept = [state["tables"].get(t) for t in tables]
            if state["meta"].get(key) != self.manifest.data_version or not all(
                name and (folder / name).exists() for name in kept
            ):
                continue
            for table, name in zip(tables, kept, strict=True):
                self.spark.read.parquet(str(folder / str(name))).createOrReplaceTempView(table)
            self._meta[key] = self.manifest.data_version
        for table in _DURABLE:
            kept = state["tables"].get(table)
            if kept and (folder / kept).exists():
                self.spark.read.parquet(str(folder / kept)).createOrReplaceTempView(table)


def _version_key(table: str) -> str | None:
    """The version key of a derived table (None for a canonical one)."""
    return next((k for k, tables in _DERIVED.items() if table in tables), None)
