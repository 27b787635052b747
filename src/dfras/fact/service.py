"""Keeping the delivery fact current: rebuilt when the data version has moved on.

Every committed batch bumps ``data_version``; the fact records the version it was built from.
Readers call :func:`ensure_current`, so even a fact left stale by an interrupted import is
rebuilt before anyone reads it.
"""

from __future__ import annotations

import time
from typing import Any

from dfras.query.fact import FACT_TABLE, fact_select_sql
from dfras.store.base import Store
from dfras.store.meta import is_built_from_current_data, read_meta, write_meta


def is_current(store: Store) -> bool:
    """Whether the fact reflects every committed batch."""
    return is_built_from_current_data(store, FACT_TABLE, "fact_version")


def refresh(store: Store) -> float:
    """Rebuild the fact in one transaction; returns the seconds it took."""
    started = time.perf_counter()
    with store.transaction():
        version = read_meta(store, "data_version") or "0"
        store.replace_table(FACT_TABLE, fact_select_sql())
        store.index_for_lookup(FACT_TABLE, "order_id")
        write_meta(store, "fact_version", version)
    return time.perf_counter() - started


def ensure_current(store: Store) -> bool:
    """Rebuild the fact if it is stale; True when a rebuild happened."""
    if is_current(store):
        return False
    refresh(store)
    return True


def for_analysis(store: Store, *, heavy: bool = True) -> Any:
    """The store analysis should read: ``store`` itself for DuckDB (after bringing the fact up
    to date); for PostgreSQL, the tenant's fact copied through its row-level-security-filtered
    connection into an in-process DuckDB (see :mod:`dfras.store.working`).

    ``heavy=False`` (a few aggregates, like the overview KPIs): on PostgreSQL, the tenant's
    copy when one is cached, else PostgreSQL itself (RLS-filtered as well) — copying the whole
    fact to sum a few columns would cost more than the sums.
    """
    ensure_current(store)
    if store.engine != "postgres":
        return store
    from dfras.store.working import cached_copy, working_copy

    if not heavy:
        return cached_copy(store) or store
    return working_copy(store)
