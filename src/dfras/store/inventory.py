"""What a store holds: rows per table, quarantine, batches, time range, as-of, size."""

from __future__ import annotations

from typing import Any

from dfras.domain.tables import DOMAINS
from dfras.store.base import Store


def describe_store(store: Store) -> dict[str, Any]:
    """A plain description of the store's contents (the data behind ``dfras info``)."""
    tables = {name: int(store.fetchall(f"SELECT count(*) FROM {name}")[0][0]) for name in DOMAINS}
    first, last = store.fetchall("SELECT min(order_date), max(order_date) FROM orders")[0]
    batches = store.fetch_dicts(
        """SELECT batch_id, domain, source_file, rows_read, rows_inserted, rows_updated,
                  rows_quarantined, finished_at
           FROM ingest_batches ORDER BY finished_at, batch_id"""
    )
    meta = dict(store.fetchall("SELECT key, value FROM store_meta"))
    return {
        "store": store.location,
        "engine": store.engine,
        "size_bytes": store.size_bytes(),
        "schema_version": int(meta.get("schema_version", 0)),
        "data_version": int(meta.get("data_version", 0)),
        "tables": tables,
        "quarantined_rows": int(store.fetchall("SELECT count(*) FROM quarantine")[0][0]),
        "flagged_rows": {
            name: int(store.fetchall(f"SELECT count(_flags) FROM {name}")[0][0]) for name in DOMAINS
        },
        "batches": batches,
        "time_range": {"first_order": first, "last_order": last},
        "as_of": last,
        "as_of_rule": "latest order_date in the data (the data's own clock)",
    }
