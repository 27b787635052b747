"""Outcome series: per day (and day × hour) counts of every entity, kept current with the data.

``outcome_series_daily`` holds, for the whole network (``entity_column = 'all'``) and each city,
warehouse, partner, client, driver and route, the orders, closed, failed, returned, delivered,
late and open orders per order day; ``outcome_series_hourly`` the same per hour of the order for
the network, cities, warehouses and partners. Both are built in the engine by one grouping-sets
query each and record the data version they were built from (``store_meta``), like the fact.

The detectors read the series as matrices (entities × days) restricted to **settled** days:
the most recent orders are still open, and those that closed early are not typical (failures
close before deliveries; late deliveries have not arrived yet), so their rates are biased.
Days at the end whose open share stands above the usual level are left out.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from dfras.fact import service as fact_service
from dfras.query import patterns as q
from dfras.store.base import Store
from dfras.store.meta import is_built_from_current_data, read_meta, write_meta

OUTCOMES: dict[str, tuple[str, str]] = {
    # outcome: (event column, population column)
    "failure": ("failed", "closed"),
    "return": ("returned", "closed"),
    "late": ("late", "delivered"),
}
#: Absolute margin over the usual open share before a day counts as unsettled.
OPEN_MARGIN = 0.02


def is_current(store: Store) -> bool:
    return is_built_from_current_data(store, q.DAILY_TABLE, "series_version")


def refresh(store: Store) -> float:
    """Rebuild both series tables from the delivery fact; returns the seconds it took."""
    started = time.perf_counter()
    fact_service.ensure_current(store)
    with store.transaction():
        version = read_meta(store, "data_version") or "0"
        store.execute(q.build_series_sql("TRUE", hourly=False))
        store.execute(q.build_series_sql("TRUE", hourly=True))
        write_meta(store, "series_version", version)
    return time.perf_counter() - started


def ensure_current(store: Store) -> bool:
    """Rebuild the series if the data moved on; True when a rebuild happened."""
    if is_current(store):
        return False
    refresh(store)
    return True


def settled_end(store: Store) -> date | None:
    """The last day whose orders are settled: walking back from the latest day, days whose
    open share exceeds the median share by more than ``OPEN_MARGIN`` plus two binomial
    standard errors are dropped."""
    rows = store.fetchall(q.open_share_sql())
    if not rows:
        return None
    days = [r[0] for r in rows]
    n = np.array([r[1] for r in rows], dtype=float)
    share = np.array([r[2] for r in rows], dtype=float) / np.maximum(n, 1.0)
    usual = float(np.median(share))
    limit = usual + OPEN_MARGIN + 2.0 * np.sqrt(usual * (1 - usual) / np.maximum(n, 1.0))
    i = len(days) - 1
    while i > 0 and share[i] > limit[i]:
        i -= 1
    return days[i] if isinstance(days[i], date) else None


@dataclass
class SeriesSet:
    """Daily series of many entities as matrices over one calendar of days."""

    columns: list[str]  # entity column per row
    values: list[str]  # entity value per row
    first: date
    days: int
    counts: dict[str, np.ndarray]  # measure -> (rows × days)

    @property
    def size(self) -> int:
        return len(self.values)

    def day(self, i: int) -> date:
        return self.first + timedelta(days=int(i))

    @property
    def weekday(self) -> np.ndarray:
        return (np.arange(self.days) + self.first.weekday()) % 7

    def pair(self, outcome: str) -> tuple[np.ndarray, np.ndarray]:
        """(population, events) matrices of an outcome."""
        event, population = OUTCOMES[outcome]
        return self.counts[population], self.counts[event]


def load_series(store: Store, *, end: date, min_closed: int) -> SeriesSet | None:
    """Entities with at least ``min_closed`` closed orders, days up to ``end``."""
    table = store.fetch_arrow(q.series_sql(min_closed), [min_closed, end])
    if table.num_rows == 0:
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    key = pc.binary_join_element_wise(
        table.column("entity_column"), table.column("entity_value"), "\x1f"
    )
    encoded = pc.dictionary_encode(key).combine_chunks()
    assert isinstance(encoded, pa.DictionaryArray)
    row_idx = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    labels = encoded.dictionary.to_pylist()
    days = table.column("day").cast(pa.int32()).to_numpy(zero_copy_only=False)
    first_int = int(days.min())
    first = date(1970, 1, 1) + timedelta(days=first_int)
    day_idx = (days - first_int).astype(np.int64)
    span = int(day_idx.max()) + 1
    counts: dict[str, np.ndarray] = {}
    for measure in ("closed", "failed", "returned", "delivered", "late"):
        m = np.zeros((len(labels), span))
        np.add.at(m, (row_idx, day_idx), table.column(measure).to_numpy(zero_copy_only=False))
        counts[measure] = m
    keys = {tuple(str(x).split("\x1f", 1)): i for i, x in enumerate(labels)}
    ordered = sorted(keys, key=keys.__getitem__)
    return SeriesSet(
        columns=[k[0] for k in ordered],
        values=[k[1] for k in ordered],
        first=first,
        days=span,
        counts=counts,
    )
