"""The store's own bookkeeping values (``store_meta``): data version, derived-table versions.

Every committed batch bumps ``data_version``; a derived table (the delivery fact, the per-order
causes) records the version it was built from under its own key, so a reader can tell whether
it is current.
"""

from __future__ import annotations

from dfras.store.base import Store


def read_meta(store: Store, key: str) -> str | None:
    rows = store.fetchall("SELECT value FROM store_meta WHERE key = ?", [key])
    return rows[0][0] if rows else None


def write_meta(store: Store, key: str, value: str) -> None:
    store.execute("DELETE FROM store_meta WHERE key = ?", [key])
    store.execute("INSERT INTO store_meta VALUES (?, ?)", [key, value])


def is_built_from_current_data(store: Store, table: str, version_key: str) -> bool:
    """Whether ``table`` exists and was built from the latest committed data."""
    return built_from_current_data(store, {table: version_key})[table]


def built_from_current_data(store: Store, tables: dict[str, str]) -> dict[str, bool]:
    """For each table (name -> its version key): whether it exists and was built from the
    latest committed data, all read in one query (a request checking two tables pays once)."""
    keys = list(tables.values())
    marks = ", ".join("?" for _ in keys)
    rows = dict(
        store.fetchall(
            f"SELECT key, value FROM store_meta WHERE key IN ({marks}, 'data_version')", keys
        )
    )
    data = rows.get("data_version")
    return {t: rows.get(k) == data and store.table_exists(t) for t, k in tables.items()}
