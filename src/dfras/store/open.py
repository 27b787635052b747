"""Opening a store from a location string (a DuckDB path now; a PostgreSQL URL later)."""

from __future__ import annotations

import os
from pathlib import Path

from dfras.domain.errors import UserError
from dfras.store.duckdb import DuckDBStore

DEFAULT_DB = "dfras.duckdb"


def default_location() -> str:
    """The store named by ``DFRAS_DB``, else ``./dfras.duckdb``."""
    return os.environ.get("DFRAS_DB") or DEFAULT_DB


def open_store(location: str | None = None, *, read_only: bool = False) -> DuckDBStore:
    """Open (creating if needed) the store at ``location``."""
    loc = location or default_location()
    if loc.startswith(("postgresql://", "postgres://")):
        raise UserError(
            "PostgreSQL stores are not available in this release",
            hint="use a DuckDB file path for --db",
        )
    if read_only and loc != ":memory:" and not Path(loc).exists():
        raise UserError(
            f"no store at {loc}",
            hint="import data first with `dfras ingest PATH` (or set --db / DFRAS_DB)",
        )
    return DuckDBStore(loc, read_only=read_only)
