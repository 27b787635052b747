"""Indexes that make serving one order's detail fast, and that imports go without.

An order's detail reads its fact row, its causes and its warehouse and fleet log rows by order
id. Without an index each is a scan of the row groups whose order-id range covers it (about
3 ms at 1M orders); with an ART index, a point lookup (about 1 ms). The server builds these
indexes when it opens the store and after each of its writes. An import goes without them: it
drops the log indexes first (a bulk load would otherwise maintain them row by row), and the
fact and the causes are rebuilt as new tables, which have none. Building the fact's index in
the import cost 0.3 s at 1M orders (then written out at the next checkpoint), for lookups only
a server makes.
"""

from __future__ import annotations

import logging

from dfras.query.causes import RCA_TABLE
from dfras.query.fact import FACT_TABLE
from dfras.store.base import Store

#: (table, column) of the log lookups an order's detail makes; an import drops them.
LOG_LOOKUPS: tuple[tuple[str, str], ...] = (
    ("warehouse_logs", "order_id"),
    ("fleet_logs", "order_id"),
)

#: Every lookup the server builds: the logs', and the derived tables' (rebuilt without one).
SERVING_LOOKUPS: tuple[tuple[str, str], ...] = (
    (FACT_TABLE, "order_id"),
    (RCA_TABLE, "order_id"),
    *LOG_LOOKUPS,
)

log = logging.getLogger(__name__)


def build(store: Store) -> None:
    """Create the serving lookups that are missing, on the tables that exist (the causes are
    missing while deferred). Serving works without them, only slower: an engine that cannot
    afford one (its memory limit) is noted in the log and left as it is."""
    for table, column in SERVING_LOOKUPS:
        if not store.table_exists(table):
            continue
        try:
            store.index_for_lookup(table, column)
        except Exception as exc:  # the engine's own error type (out of memory, mostly)
            log.warning("no lookup index on %s(%s): %s", table, column, exc)


def drop(store: Store) -> None:
    """Drop the log lookups before a bulk load."""
    for table, column in LOG_LOOKUPS:
        store.drop_index_for_lookup(table, column)
