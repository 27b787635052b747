"""Opening a store from a location string: a DuckDB path, or a PostgreSQL URL and a tenant."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from dfras.domain.errors import UserError
from dfras.store.duckdb import DuckDBStore

DEFAULT_DB = "dfras.duckdb"


def default_location() -> str:
    """The store named by ``DFRAS_DB``, else ``./dfras.duckdb``."""
    return os.environ.get("DFRAS_DB") or DEFAULT_DB


def default_tenant() -> str | None:
    """The tenant named by ``DFRAS_TENANT`` (PostgreSQL stores only)."""
    return os.environ.get("DFRAS_TENANT") or None


def is_postgres_url(location: str) -> bool:
    """Whether ``location`` names a PostgreSQL store rather than a DuckDB file."""
    return location.startswith(("postgresql://", "postgres://"))


def open_store(
    location: str | None = None, *, read_only: bool = False, tenant: str | None = None
) -> Any:
    """Open the store at ``location`` (created if a DuckDB file does not exist yet).

    A ``postgresql://`` URL opens the shared store as the URL's role, for ``tenant`` (default
    ``DFRAS_TENANT``); its schema comes from ``dfras db upgrade``, not from here.
    """
    loc = location or default_location()
    if is_postgres_url(loc):
        from dfras.store.postgres import PostgresStore  # only PostgreSQL users pay its imports

        who = tenant or default_tenant()
        if not who:
            raise UserError(
                "a PostgreSQL store needs a tenant",
                hint="pass --tenant NAME (or set DFRAS_TENANT); `dfras tenants list` names them",
            )
        return PostgresStore(loc, tenant=who)
    if read_only and loc != ":memory:" and not Path(loc).exists():
        raise UserError(
            f"no store at {loc}",
            hint="import data first with `dfras ingest PATH` (or set --db / DFRAS_DB)",
        )
    return DuckDBStore(loc, read_only=read_only)


def open_engine_store(
    location: str | None = None,
    *,
    read_only: bool = False,
    engine: str = "duckdb",
    lake: str | None = None,
    spark_master: str | None = None,
    tenant: str | None = None,
) -> Any:
    """The store for an engine: the ``location`` store (DuckDB or PostgreSQL, for ``tenant``),
    or Spark over the ``lake`` folder."""
    if engine == "duckdb":
        return open_store(location, read_only=read_only, tenant=tenant)
    if engine != "spark":
        raise UserError(f"unknown engine {engine!r}", hint="use --engine duckdb or spark")
    if not lake:
        raise UserError(
            "the Spark engine reads a lake, and none was named",
            hint="pass --lake DIR (or set DFRAS_LAKE); write one with `dfras lake export DIR`",
        )
    from dfras.store.spark import SparkStore

    return SparkStore(lake, master=spark_master)
