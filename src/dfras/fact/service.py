"""Keeping the delivery fact current: rebuilt when the data version has moved on.

Every committed batch bumps ``data_version``; the fact records the version it was built from.
Readers call :func:`ensure_current`, so even a fact left stale by an interrupted import is
rebuilt before anyone reads it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

from dfras.query.fact import FACT_TABLE, NEARLY_UNIQUE_COLUMNS, fact_select_sql
from dfras.store.base import Store
from dfras.store.meta import is_built_from_current_data, read_meta, write_meta
from dfras.store.progress import watching


def is_current(store: Store) -> bool:
    """Whether the fact reflects every committed batch."""
    return is_built_from_current_data(store, FACT_TABLE, "fact_version")


#: Orders per step of the embedded store's fact build. The build's windows and joins must fit
#: the engine's memory limit (1 GB by default) beside the tables an import has just written;
#: past it they spill to disk. One pass over 10M orders took 88 s where ten ranges took 37.
#: With DuckDB 2.0.1 a single 1M-order step spills too: 5.7-6.2 s in an import, against
#: 3.0-3.4 s in two steps of 500,000 (at 10M, 500,000 and 1M per step take the same time).
ORDERS_PER_STEP = 500_000


def build_steps(store: Store) -> list[tuple[int, int] | None]:
    """The order-id ranges the fact is built in: one step of every order, except on the
    embedded store past :data:`ORDERS_PER_STEP` orders (the other engines plan big builds
    themselves), where equal-width ranges of the ids cover them all."""
    if store.engine != "duckdb":
        return [None]
    first, last, count = store.fetchall(
        "SELECT min(order_id), max(order_id), count(*) FROM orders"
    )[0]
    steps = -(-int(count) // ORDERS_PER_STEP) if count else 1
    if steps <= 1:
        return [None]
    width = -(-(int(last) - int(first) + 1) // steps)
    return [(lo, min(lo + width - 1, int(last))) for lo in range(int(first), int(last) + 1, width)]


def refresh(store: Store, progress: Callable[[float, int], None] | None = None) -> float:
    """Rebuild the fact in one transaction; returns the seconds it took. ``progress(done,
    steps)`` is told how many of the build's steps are done (a fraction within a step)."""
    started = time.perf_counter()
    with store.rebuilding(), store.transaction():
        version = read_meta(store, "data_version") or "0"
        steps = build_steps(store)
        for k, ids in enumerate(steps):
            on_share = None if progress is None else partial(_step_share, progress, k, len(steps))
            with watching(store, on_share):
                if k == 0:
                    store.replace_table(
                        FACT_TABLE, fact_select_sql(ids), plain=NEARLY_UNIQUE_COLUMNS
                    )
                else:
                    store.execute(f"INSERT INTO {FACT_TABLE} {fact_select_sql(ids)}")
        write_meta(store, "fact_version", version)
    if progress is not None:
        progress(len(steps), len(steps))
    return time.perf_counter() - started


def _step_share(
    progress: Callable[[float, int], None], step: int, steps: int, share: float
) -> None:
    """Step ``step`` of ``steps`` done by ``share``."""
    progress(step + share, steps)


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
