"""The model registry: ``models`` (one row per trained version, artifact included),
``model_performance`` (one row per version and data split) and ``order_predictions``.

The artifact (the LightGBM model text, the calibration knots and the category vocabularies, as
one JSON document) is kept in the ``models`` row itself, so a store file carries its models
with it (copy, back up, open elsewhere) and no folder beside it can drift out of step. Versions
are ``v1``, ``v2``, ...; the newest trained version is ``active``, earlier ones ``retired``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dfras.store.base import Store
from dfras.store.rows import set_column, write_rows

MODEL_NAME = "failure_risk"


@dataclass
class ModelRecord:
    """A registered model version without its artifact (what ``model list/show`` print)."""

    model_id: int
    model_version: str
    created_at: datetime
    data_start: datetime | None
    data_end: datetime | None
    data_version: str | None
    splits: dict[str, Any]
    features: list[str]
    seed: int
    params: dict[str, Any]
    importance: dict[str, list[dict[str, Any]]]
    has_signal: bool
    summary: str
    status: str
    metrics: dict[str, dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "model_name": MODEL_NAME,
            "model_version": self.model_version,
            "model_id": self.model_id,
            "created_at": self.created_at,
            "status": self.status,
            "has_signal": self.has_signal,
            "summary": self.summary,
            "data_start": self.data_start,
            "data_end": self.data_end,
            "data_version": self.data_version,
            "splits": self.splits,
            "seed": self.seed,
            "params": self.params,
            "features": self.features,
            "metrics": self.metrics,
            "importance": self.importance,
        }


#: The columns of ``models`` a version fills (a multi-tenant store adds its tenant's).
MODEL_COLUMNS = (
    "model_id", "model_name", "model_version", "created_at", "data_start", "data_end",
    "data_version", "splits", "features", "seed", "params", "importance", "has_signal",
    "summary", "artifact", "status",
)  # fmt: skip


def next_model_id(store: Store) -> int:
    rows = store.fetchall("SELECT coalesce(max(model_id), 0) FROM models")
    return int(rows[0][0]) + 1


def register(store: Store, *, record: ModelRecord, artifact: str) -> None:
    """Add a version (active; earlier versions retired) with its metrics per split."""
    now = record.created_at
    added = [
        record.model_id,
        MODEL_NAME,
        record.model_version,
        now,
        record.data_start,
        record.data_end,
        record.data_version,
        json.dumps(record.splits),
        json.dumps(record.features),
        record.seed,
        json.dumps(record.params),
        json.dumps(record.importance),
        record.has_signal,
        record.summary,
        artifact,
        "active",
    ]
    performance = [
        [
            record.model_id,
            MODEL_NAME,
            record.model_version,
            now,
            json.dumps(metrics),
            split,
            metrics.get("auc"),
            now,
        ]
        for split, metrics in record.metrics.items()
    ]
    with store.transaction():
        set_column(store, "models", "status", "'retired'", "status = 'active'")
        write_rows(store, "models", [added], columns=MODEL_COLUMNS)
        write_rows(store, "model_performance", performance)


_COLUMNS = (
    "model_id, model_version, created_at, data_start, data_end, data_version, splits, features, "
    "seed, params, importance, has_signal, summary, status"
)


def list_models(store: Store) -> list[ModelRecord]:
    rows = store.fetch_dicts(
        f"SELECT {_COLUMNS} FROM models WHERE model_name = ? ORDER BY model_id", [MODEL_NAME]
    )
    perf = store.fetch_dicts(
        "SELECT model_id, data_split, metrics FROM model_performance WHERE model_name = ?",
        [MODEL_NAME],
    )
    by_model: dict[int, dict[str, dict[str, Any]]] = {}
    for p in perf:
        by_model.setdefault(int(p["model_id"]), {})[p["data_split"]] = json.loads(p["metrics"])
    return [_record(r, by_model.get(int(r["model_id"]), {})) for r in rows]


def find_model(store: Store, version: str | None) -> ModelRecord | None:
    """The named version (``v3`` or ``3``), or the active one when ``version`` is None."""
    models = list_models(store)
    if version is None:
        active = [m for m in models if m.status == "active"]
        return active[-1] if active else None
    want = version if version.startswith("v") else f"v{version}"
    return next((m for m in models if m.model_version == want), None)


def load_artifact(store: Store, model_id: int) -> str:
    rows = store.fetchall("SELECT artifact FROM models WHERE model_id = ?", [model_id])
    return str(rows[0][0])


def replace_predictions(store: Store, rows: list[tuple[Any, ...]]) -> None:
    """The current predictions: one row per open order scored by the active model."""
    write_rows(store, "order_predictions", rows, delete_where="TRUE")


def _record(row: dict[str, Any], metrics: dict[str, dict[str, Any]]) -> ModelRecord:
    order = {"train": 0, "validation": 1, "test": 2}
    return ModelRecord(
        model_id=int(row["model_id"]),
        model_version=str(row["model_version"]),
        created_at=row["created_at"],
        data_start=row["data_start"],
        data_end=row["data_end"],
        data_version=row["data_version"],
        splits=json.loads(row["splits"]),
        features=json.loads(row["features"]),
        seed=int(row["seed"]),
        params=json.loads(row["params"]),
        importance=json.loads(row["importance"]),
        has_signal=bool(row["has_signal"]),
        summary=str(row["summary"]),
        status=str(row["status"]),
        metrics=dict(sorted(metrics.items(), key=lambda kv: order.get(kv[0], 9))),
    )
