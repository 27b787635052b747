"""Indexes that make serving one order's detail fast, and that bulk imports go without.

An order's detail reads its warehouse and fleet log rows by order id. Without an index that is
a scan of the row groups whose order-id range covers it (about 3 ms at 1M orders); with an ART
index, two point lookups (under 1 ms). The server builds these indexes when it opens the store
and after each of its writes; an import drops them first, since a bulk load would otherwise
maintain them row by row (the delivery fact's and the causes' lookups are rebuilt with their
tables, see :meth:`dfras.store.base.Store.index_for_lookup`).
"""

from __future__ import annotations

import logging

from dfras.store.base import Store

#: (table, column) of the log lookups an order's detail makes.
LOG_LOOKUPS: tuple[tuple[str, str], ...] = (
    ("warehouse_logs", "order_id"),
    ("fleet_logs", "order_id"),
)

log = logging.getLogger(__name__)


def build(store: Store) -> None:
    """Create the log lookups that are missing. Serving works without them, only slower: an
    engine that cannot afford one (its memory limit) is noted in the log and left as it is."""
    for table, column in LOG_LOOKUPS:
        try:
            store.index_for_lookup(table, column)
        except Exception as exc:  # the engine's own error type (out of memory, mostly)
            log.warning("no lookup index on %s(%s): %s", table, column, exc)


def drop(store: Store) -> None:
    """Drop the log lookups before a bulk load."""
    for table, column in LOG_LOOKUPS:
        store.drop_index_for_lookup(table, column)
