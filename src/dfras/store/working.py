"""Analysis working copies: a tenant's analysis tables in an in-process DuckDB.

PostgreSQL counts grouped rows several times slower than DuckDB (see docs/postgres.md for the
measured ratio), and the root-cause engine's search is grouped counting. So analysis on a
PostgreSQL store reads the tenant's delivery fact THROUGH the store's own connection (the
service role, the tenant set for the transaction, row-level security forced: PostgreSQL
decides which rows arrive) into an in-memory DuckDB, and the unchanged query layer runs there.

Isolation is by construction: a copy is filled only through one tenant's RLS-filtered
connection, and it is cached under (database, tenant, data version, fact version), so a copy is
never handed to another tenant, and a new import (a new data version) makes a new copy.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from dfras.store.duckdb import DuckDBStore

#: Tables an analysis copy holds: the fact and the bookkeeping values (data version, ...).
ANALYSIS_TABLES = ("delivery_fact", "store_meta")
#: Copies kept per process (one per tenant in a busy service); least recently used goes.
CACHE_SIZE = 8

_CACHE: OrderedDict[tuple[str, ...], DuckDBStore] = OrderedDict()
_LOCK = threading.Lock()


def copy_key(store: Any, tables: tuple[str, ...]) -> tuple[str, ...]:
    """The cache key of a copy: database, tenant, the versions read through RLS, tables."""
    rows = dict(
        store.fetchall(
            "SELECT key, value FROM store_meta WHERE key IN ('data_version', 'fact_version')"
        )
    )
    return (
        store.url,
        str(store.tenant),
        rows.get("data_version", "0"),
        rows.get("fact_version", ""),
        *tables,
    )


def working_copy(store: Any, tables: tuple[str, ...] = ANALYSIS_TABLES) -> DuckDBStore:
    """The tenant's ``tables`` in an in-memory DuckDB, as a store of its own.

    Each call returns a fresh cursor over the cached database, so concurrent requests (one
    thread each in the service) have their own transactions and temporary tables; closing
    it closes only that cursor.
    """
    key = copy_key(store, tables)
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            return _view(hit, store)
    copy = DuckDBStore(":memory:")
    for table in tables:
        store.copy_to_duckdb(table, copy.con)
    with _LOCK:
        _CACHE[key] = copy
        while len(_CACHE) > CACHE_SIZE:
            _, old = _CACHE.popitem(last=False)
            old.close()
        return _view(copy, store)


def cached_copy(store: Any, tables: tuple[str, ...] = ANALYSIS_TABLES) -> DuckDBStore | None:
    """The tenant's current copy if one is cached already (else None: nothing is copied)."""
    key = copy_key(store, tables)
    with _LOCK:
        hit = _CACHE.get(key)
        return _view(hit, store) if hit is not None else None


def _view(copy: DuckDBStore, store: Any) -> DuckDBStore:
    return DuckDBStore.over_connection(
        copy.con.cursor(), f"working copy of {store.location} for tenant {store.tenant}"
    )


def clear() -> None:
    """Drop every cached copy (tests)."""
    with _LOCK:
        while _CACHE:
            _, old = _CACHE.popitem()
            old.close()


def refresh_through_copy(
    store: Any,
    *,
    read: tuple[str, ...],
    compute: Callable[[DuckDBStore], object],
    write: tuple[str, ...],
    meta_keys: tuple[str, ...],
) -> None:
    """Compute derived tables of a PostgreSQL tenant in a DuckDB copy, then write them back.

    ``read`` tables are copied through the store's RLS-filtered connection (the tenant set,
    so only its rows arrive); ``compute`` runs the unchanged DuckDB-dialect build on the copy;
    the ``write`` tables replace the tenant's rows in one transaction, with the ``meta_keys``
    (the versions that say the derived tables are current). The service role never creates
    tables: the ``write`` tables exist from the migrations.
    """
    from dfras.store.meta import read_meta, write_meta

    copy = DuckDBStore(":memory:")
    try:
        for table in read:
            if store.table_exists(table):
                store.copy_to_duckdb(table, copy.con)
        compute(copy)
        results = {t: copy.fetch_arrow(f"SELECT * FROM {t}") for t in write}
        meta = {k: read_meta(copy, k) for k in meta_keys}
    finally:
        copy.close()
    with store.transaction():
        for table, data in results.items():
            store.load_arrow(table, data)
        for key, value in meta.items():
            if value is not None:
                write_meta(store, key, value)
