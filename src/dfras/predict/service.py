"""Failure risk of open orders: train and register a model, score the open orders.

``train_model`` splits the closed orders by date, trains, calibrates, measures each split and
registers the version with its data range, features, seed, parameters, metrics and global
feature importance. ``predict_open`` scores every open order (Pending, In-Transit) with the
active version, stores the scores in ``order_predictions`` and returns those in a scope, each
with the factors that raised its risk most. A model without predictive power does not rank:
its answer says so and gives every order the base rate.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from dfras.domain.errors import NotFound, UserError
from dfras.fact import service as fact_service
from dfras.predict import registry
from dfras.predict.features import LABELS, encode, fetch_features, vocabularies
from dfras.predict.model import (
    MIN_USEFUL_AUC,
    PARAMS,
    SPLIT_SHARES,
    LoadedModel,
    TrainedModel,
    fit,
    has_signal,
    split_masks,
)
from dfras.query.predict import FEATURES, WAREHOUSE_FEATURES, order_days_sql
from dfras.store.base import Store
from dfras.store.meta import read_meta

if TYPE_CHECKING:
    from dfras.analysis.scope import Scope


@dataclass
class TrainResult:
    model: registry.ModelRecord
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {**self.model.to_dict(), "seconds": round(self.seconds, 2)}


@dataclass
class Factor:
    feature: str
    value: Any
    contribution: float

    def to_dict(self) -> dict[str, Any]:
        return {"feature": self.feature, "value": self.value, "contribution": self.contribution}


@dataclass
class OrderRisk:
    order_id: int
    status: str
    order_date: datetime
    city: str | None
    probability: float
    top_factors: list[Factor] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "status": self.status,
            "order_date": self.order_date,
            "city": self.city,
            "probability": round(self.probability, 4),
            "top_factors": [f.to_dict() for f in self.top_factors],
        }


@dataclass
class RiskReport:
    model_version: str
    has_signal: bool
    message: str
    base_rate: float
    test_auc: float
    scope: str
    open_orders: int
    orders: list[OrderRisk]
    predicted_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "model_version": self.model_version,
            "has_signal": self.has_signal,
            "message": self.message,
            "base_rate": round(self.base_rate, 4),
            "test_auc": round(self.test_auc, 4),
            "scope": self.scope,
            "open_orders_in_scope": self.open_orders,
            "predicted_at": self.predicted_at,
            "orders": [o.to_dict() for o in self.orders],
        }


#: Orders a model is trained on at most: above it, one order in k by order id (the same
#: sample on every engine), so training's memory is bounded (the features reach Python, and on
#: Spark the driver) whatever the history's size; 1M orders hold about 100k failures.
MAX_TRAINING_ORDERS = 1_000_000
_ORDERS_BEFORE_SQL = "SELECT count(*) FROM delivery_fact WHERE order_date < ?"


def train_model(store: Store, *, until: date | None = None, seed: int = 0) -> TrainResult:
    """Train, measure and register a new version on orders placed before ``until``
    (default: all of them)."""
    return register_trained(store, fit_version(store, until=until, seed=seed))


@dataclass
class TrainedVersion:
    """A fitted and measured model not yet registered (its version is given on registering)."""

    record: registry.ModelRecord
    artifact: str
    started: float


def fit_version(store: Store, *, until: date | None = None, seed: int = 0) -> TrainedVersion:
    """Train and measure a model, reading the store only (the server fits on a read cursor
    and registers under its write lock, so training does not hold up other requests)."""
    started = time.perf_counter()
    fact_service.ensure_current(store)
    last = store.fetchall("SELECT max(order_date) FROM delivery_fact")[0][0]
    if last is None:
        raise UserError("the store holds no orders", hint="import data with `dfras ingest`")
    cut = datetime.combine(until or (last.date() + timedelta(days=1)), datetime.min.time())
    days = [(d, int(n)) for d, n in store.fetchall(order_days_sql(), [cut])]
    if len(days) < 3:
        raise UserError(
            "a time-based split needs closed orders on at least three days before "
            f"{cut.date()} (found {len(days)})",
            hint="import more history, or move --until later",
        )
    valid_day, test_day = _split_days(days)
    orders = int(store.fetchall(_ORDERS_BEFORE_SQL, [cut])[0][0])
    one_in = max(1, math.ceil(orders / MAX_TRAINING_ORDERS))
    sampled = f" AND b.order_id % {one_in} = 0" if one_in > 1 else ""
    table = fetch_features(store, f"b.order_date < ?{sampled}", [cut])
    until_np = np.datetime64(cut, "us")
    dates = table.column("order_date").to_numpy()
    closed = table.column("is_closed").to_numpy(zero_copy_only=False).astype(bool)
    train_rows = closed & (dates < np.datetime64(valid_day, "us"))
    vocab = vocabularies(table.filter(train_rows))
    frame = encode(table, vocab)
    table_departed = table.column("departed").to_numpy(zero_copy_only=False).astype(bool)
    del table
    masks = split_masks(
        frame, np.datetime64(valid_day, "us"), np.datetime64(test_day, "us"), until_np
    )
    unpicked = _unpicked_share(table_departed[~frame.is_closed], frame.matrix[~frame.is_closed])
    model = fit(frame, masks, vocab=vocab, unpicked_share=unpicked, seed=seed)
    signals = {name: has_signal(v.test) for name, v in model.views.items()}
    metrics: dict[str, dict[str, Any]] = {}
    for name, v in model.views.items():
        for m in v.metrics:
            key = m.split if name == "placement" else f"{name}/{m.split}"
            metrics[key] = m.to_dict()
    record = registry.ModelRecord(
        model_id=0,
        model_version="",
        created_at=datetime.now().replace(microsecond=0),
        data_start=_as_datetime(frame.order_date[frame.is_closed].min()),
        data_end=_as_datetime(frame.order_date[frame.is_closed].max()),
        data_version=read_meta(store, "data_version"),
        splits={
            "until": cut.date().isoformat(),
            "validation_from": valid_day.isoformat(),
            "test_from": test_day.isoformat(),
            "shares": list(SPLIT_SHARES),
            "unpicked_share": round(unpicked, 4),
            "orders_before_until": orders,
            "sampled_one_in": one_in,
            "views": {
                name: {
                    "has_signal": signals[name],
                    "rounds": v.rounds,
                    "features": list(v.features),
                }
                for name, v in model.views.items()
            },
        },
        features=list(FEATURES),
        seed=seed,
        params={**PARAMS, "calibration": "isotonic on validation"},
        importance={
            name: [
                {**row, "label": LABELS.get(str(row["feature"]), row["feature"])}
                for row in v.importance
            ]
            for name, v in model.views.items()
        },
        has_signal=any(signals.values()),
        summary=_summary(model, signals),
        status="active",
        metrics=metrics,
    )
    return TrainedVersion(record, model.artifact(), started)


def register_trained(store: Store, trained: TrainedVersion) -> TrainResult:
    """Register a fitted model as the next version (the active one)."""
    record = trained.record
    record.model_id = registry.next_model_id(store)
    record.model_version = f"v{record.model_id}"
    registry.register(store, record=record, artifact=trained.artifact)
    return TrainResult(record, time.perf_counter() - trained.started)


def predict_open(
    store: Store,
    *,
    scope: Scope | None = None,
    top: int | None = 20,
    min_probability: float = 0.0,
    factors: int = 3,
) -> RiskReport:
    """Score every open order with the active model (stored in ``order_predictions``) and
    return the riskiest ones in ``scope``."""
    model = registry.find_model(store, None)
    if model is None:
        raise UserError("no failure-risk model is registered", hint="run `dfras model train`")
    fact_service.ensure_current(store)
    loaded = LoadedModel(registry.load_artifact(store, model.model_id))
    table = fetch_features(store, "b.is_open")
    frame = encode(table, loaded.vocab)
    test = model.metrics.get("test", {})
    base_rate = float(test.get("failure_rate") or 0.0)
    predicted_at = datetime.now().replace(microsecond=0)
    departed = table.column("departed").to_numpy(zero_copy_only=False).astype(bool)
    prob = np.full(len(frame), base_rate)
    contrib = np.zeros((len(frame), len(FEATURES)))
    signals = {k: bool(v["has_signal"]) for k, v in model.splits.get("views", {}).items()}
    for view, rows_of_view in (("dispatched", departed), ("placement", ~departed)):
        if signals.get(view) and rows_of_view.any():
            sub = frame.matrix[rows_of_view]
            prob[rows_of_view] = loaded.probability(view, sub)
            contrib[rows_of_view] = loaded.contributions(view, sub)
    scored = np.where(departed, signals.get("dispatched", False), signals.get("placement", False))
    raw_cols = {name: frame.raw.column(name).to_pylist() for name in FEATURES}
    all_factors = [
        _top_factors(contrib[i], raw_cols, i, factors) if scored[i] else []
        for i in range(len(frame))
    ]
    data_version = read_meta(store, "data_version")
    registry.replace_predictions(
        store,
        [
            (
                int(frame.order_id[i]),
                model.model_version,
                float(prob[i]),
                json.dumps([f.to_dict() for f in all_factors[i]], default=str),
                predicted_at,
                data_version,
            )
            for i in range(len(frame))
        ],
    )
    cond, params = scope.where("b") if scope is not None else ("TRUE", [])
    rows = store.fetch_dicts(
        f"SELECT b.order_id, b.status, b.order_date, b.city FROM delivery_fact b "
        f"WHERE b.is_open AND {cond}",
        params,
    )
    index = {int(oid): i for i, oid in enumerate(frame.order_id)}
    found = []
    for r in rows:
        i = index.get(int(r["order_id"]))
        if i is None or prob[i] < min_probability:
            continue
        found.append(
            OrderRisk(
                int(r["order_id"]),
                str(r["status"]),
                r["order_date"],
                r["city"],
                float(prob[i]),
                all_factors[i],
            )
        )
    found.sort(key=lambda o: (-o.probability, o.order_id))
    return RiskReport(
        model_version=model.model_version,
        has_signal=model.has_signal,
        message=model.summary,
        base_rate=base_rate,
        test_auc=float(test.get("auc") or float("nan")),
        scope=scope.describe() if scope is not None else "all orders",
        open_orders=len(rows),
        orders=found[:top] if top is not None else found,
        predicted_at=predicted_at,
    )


def list_models(store: Store) -> list[registry.ModelRecord]:
    return registry.list_models(store)


def show_model(store: Store, version: str | None) -> registry.ModelRecord:
    found = registry.find_model(store, version)
    if found is None:
        what = f"model version {version!r}" if version else "an active model"
        raise NotFound(f"there is no {what}", hint="`dfras model list` shows the versions")
    return found


def _split_days(days: list[tuple[date, int]]) -> tuple[date, date]:
    """First days of the validation and test periods: 70/15/15 of closed orders by date, each
    period at least one day."""
    counts = np.array([n for _, n in days], dtype=np.float64)
    cum = np.cumsum(counts) / counts.sum()
    v = int(np.searchsorted(cum, SPLIT_SHARES[0], side="left")) + 1
    t = int(np.searchsorted(cum, SPLIT_SHARES[0] + SPLIT_SHARES[1], side="left")) + 1
    v = min(max(v, 1), len(days) - 2)
    t = min(max(t, v + 1), len(days) - 1)
    return days[v][0], days[t][0]


def _unpicked_share(departed: np.ndarray, open_matrix: np.ndarray) -> float:
    """Share of the open orders scored by the placement view that have no warehouse yet."""
    pending = open_matrix[~departed]
    if len(pending) == 0:
        return 0.0
    return float(np.isnan(pending[:, FEATURES.index(WAREHOUSE_FEATURES[0])]).mean())


def _top_factors(contrib: np.ndarray, raw: dict[str, list[Any]], i: int, k: int) -> list[Factor]:
    order = np.argsort(-contrib, kind="stable")[:k]
    out = []
    for j in order:
        if contrib[j] <= 0:
            break
        name = FEATURES[j]
        value = raw[name][i]
        if isinstance(value, float):
            value = round(value, 4)
        out.append(Factor(LABELS.get(name, name), value, round(float(contrib[j]), 4)))
    return out


def _summary(model: TrainedModel, signals: dict[str, bool]) -> str:
    parts = []
    for name, v in model.views.items():
        t = v.test
        figure = f"test AUC {t.auc:.3f} (95% CI {t.auc_low:.3f}-{t.auc_high:.3f})"
        if signals[name]:
            verdict = "ranks better than chance"
        elif t.auc_low > 0.5:
            verdict = (
                f"has no useful predictive power (above chance, but AUC below {MIN_USEFUL_AUC})"
            )
        else:
            verdict = "has no predictive power"
        parts.append(f"{name} view {verdict}: {figure}")
    text = "; ".join(parts) + "."
    if not any(signals.values()):
        return (
            f"No predictive power: neither view's test AUC is reliably above 0.5 (and at least "
            f"{MIN_USEFUL_AUC}); open orders are not ranked, each gets the base failure rate. "
            + text
        )
    if not all(signals.values()):
        text += " Orders a view without power would score get the base failure rate."
    return text


def _as_datetime(value: Any) -> datetime | None:
    if value is None:
        return None
    return datetime.fromisoformat(str(np.datetime_as_string(value, unit="s")))
