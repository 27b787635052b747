"""The data lake: the store's tables as Hive-partitioned Parquet that DuckDB and Spark both read.

Layout (the reference design's raw / processed / analytics areas)::

    LAKE/manifest.json                       what a reader reads: files, rows, hashes, versions
    LAKE/raw/<table>/year=YYYY/month=MM/part-<hash>.parquet     canonical tables, references
    LAKE/processed/<table>/year=YYYY/month=MM/...               delivery fact, per-order causes
    LAKE/analytics/<name>/...                                   what Spark jobs write

Readers go through the manifest, never by listing folders: a partition is rewritten under a new
file name and the manifest replaced last, so a crash mid-export leaves the previous manifest
and every file it names in place. See ``docs/lake.md``.
"""
