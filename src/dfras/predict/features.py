"""The feature matrix: SQL features (``query/predict.py``) fetched as Arrow, coded as numbers.

Categorical values are coded against the vocabulary seen in training (an unseen value becomes
missing), so a model and the orders it scores always agree on what each code means. Plain
names for the features live here too, for the top factors an operator reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from dfras.query.predict import CATEGORICAL, FEATURES, NUMERIC, features_sql
from dfras.store.base import Store

LABELS: dict[str, str] = {
    "city": "city",
    "warehouse_id": "warehouse",
    "payment_mode": "payment mode",
    "traffic_condition": "traffic",
    "weather_condition": "weather",
    "event_type": "event",
    "partner_company": "delivery partner",
    "amount": "order amount",
    "weekday": "weekday (0 = Monday)",
    "order_hour": "hour ordered",
    "day_of_month": "day of month",
    "promised_hours": "hours promised",
    "picking_minutes": "picking minutes",
    "dispatch_wait_minutes": "dispatch wait minutes",
    "client_history_rate": "client's past failure rate",
    "warehouse_history_rate": "warehouse's past failure rate",
    "city_history_rate": "city's past failure rate",
    "pincode_area_history_rate": "pincode area's past failure rate",
    "customer_history_rate": "customer's past failure rate",
}


@dataclass
class FeatureFrame:
    """Feature rows of a set of orders, coded for the model, with their raw values kept."""

    order_id: NDArray[np.int64]
    order_date: NDArray[np.datetime64]
    label: NDArray[np.int8]
    is_closed: NDArray[np.bool_]
    status: list[str]
    matrix: NDArray[np.float64]  # rows x FEATURES, categoricals as codes (NaN = missing)
    raw: pa.Table  # the feature columns as fetched (for the values shown beside factors)

    def __len__(self) -> int:
        return len(self.order_id)


def fetch_features(store: Store, where: str = "TRUE", params: list[Any] | None = None) -> pa.Table:
    """Feature rows of the orders matching ``where`` (alias ``b``), as Arrow."""
    return store.fetch_arrow(features_sql(where), params)


def vocabularies(table: pa.Table) -> dict[str, list[str]]:
    """Sorted distinct non-null values of each categorical feature."""
    out: dict[str, list[str]] = {}
    for name in CATEGORICAL:
        values = pc.unique(table.column(name).cast(pa.string())).drop_null()
        out[name] = sorted(str(v) for v in values.to_pylist())
    return out


def encode(table: pa.Table, vocab: dict[str, list[str]]) -> FeatureFrame:
    """Code ``table`` (from :func:`fetch_features`) against ``vocab``."""
    n = table.num_rows
    matrix = np.empty((n, len(FEATURES)), dtype=np.float64)
    for j, name in enumerate(FEATURES):
        col = table.column(name)
        if name in CATEGORICAL:
            codes = pc.index_in(col.cast(pa.string()), value_set=pa.array(vocab[name], pa.string()))
            matrix[:, j] = codes.to_numpy(zero_copy_only=False).astype(np.float64)
        else:
            matrix[:, j] = col.cast(pa.float64()).to_numpy(zero_copy_only=False)
    return FeatureFrame(
        order_id=table.column("order_id").to_numpy().astype(np.int64),
        order_date=table.column("order_date").to_numpy(),
        label=table.column("label").to_numpy().astype(np.int8),
        is_closed=table.column("is_closed").to_numpy(zero_copy_only=False).astype(bool),
        status=[str(s) for s in table.column("status").to_pylist()],
        matrix=matrix,
        raw=table.select(list(FEATURES)),
    )


def numeric_index(name: str) -> int:
    return FEATURES.index(name)


__all__ = ["CATEGORICAL", "FEATURES", "NUMERIC", "FeatureFrame", "encode", "fetch_features"]
