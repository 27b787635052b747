"""The failure-risk model: gradient-boosted trees (LightGBM), calibrated on a later period.

Closed orders are split by order date: the earliest 70% train the trees, the next 15% (the
validation period) stop the boosting and fit an isotonic calibration of the scores, the last
15% (test) are only scored. Every split is measured (AUC with DeLong interval, Brier score, log
loss, calibration error, precision and recall among the top 5% and 10%). The model has
predictive power only if the test AUC's 95% interval lies above 0.5 and the AUC reaches
:data:`MIN_USEFUL_AUC`; otherwise it says so and is not used to rank orders.

Two views are trained on the same splits (``query/predict.py`` ``VIEWS``): ``placement`` sees
what is known when an order is placed and routed (scores Pending orders), ``dispatched`` also
sees what the logs show once it has left the warehouse (scores orders with a departure). A
Pending order not yet picked has no warehouse; training rows of the placement view lose their
warehouse features at random in the same share, so the trees learn that situation too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dfras.predict.features import FeatureFrame
from dfras.query.predict import CATEGORICAL, FEATURES, VIEWS, WAREHOUSE_FEATURES
from dfras.stats.scoring import (
    auc_with_interval,
    brier_score,
    calibration_error,
    log_loss,
    top_share,
)

MIN_USEFUL_AUC = 0.55
SPLIT_SHARES = (0.70, 0.15, 0.15)
PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.08,
    "num_leaves": 15,
    "min_data_in_leaf": 200,
    "lambda_l2": 10.0,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "max_bin": 63,
    "cat_smooth": 20.0,
    "min_data_per_group": 200,
    "max_cat_to_onehot": 8,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 2,
    "verbose": -1,
}
MAX_ROUNDS = 300
EARLY_STOP = 20
#: Training rows beyond this are sampled (seeded): a weak signal gains little from more rows,
#: and training time stays bounded (1M orders train in under a minute on 2 cores).
MAX_TRAIN_ROWS = 250_000


@dataclass
class Calibrator:
    """A monotone map from raw scores to probabilities: isotonic-regression blocks, joined
    linearly between block centres (so distinct scores keep distinct probabilities)."""

    x: list[float]
    y: list[float]

    def __call__(self, raw: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.interp(raw, np.asarray(self.x), np.asarray(self.y))

    @classmethod
    def fit(cls, raw: NDArray[np.float64], label: NDArray[np.int8]) -> Calibrator:
        from scipy.optimize import isotonic_regression

        order = np.argsort(raw, kind="stable")
        xs, ys = raw[order], label[order].astype(np.float64)
        fitted = isotonic_regression(ys, increasing=True).x
        # one knot per block of equal fitted value, at the block's mean score
        change = np.flatnonzero(np.diff(fitted) != 0) + 1
        starts = np.concatenate([[0], change])
        sums = np.add.reduceat(xs, starts)
        counts = np.diff(np.concatenate([starts, [len(xs)]]))
        return cls([float(v) for v in sums / counts], [float(v) for v in fitted[starts]])


@dataclass
class SplitMetrics:
    split: str
    orders: int
    failures: int
    start: str | None
    end: str | None
    auc: float
    auc_low: float
    auc_high: float
    brier: float
    log_loss: float
    calibration_error: float
    precision_top5: float
    recall_top5: float
    precision_top10: float
    recall_top10: float
    failure_rate: float
    mean_probability: float

    def to_dict(self) -> dict[str, Any]:
        return {k: (round(v, 5) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


@dataclass
class ViewModel:
    """One view's trees, calibration, metrics per split and feature importance."""

    view: str
    features: tuple[str, ...]
    booster_text: str
    calibrator: Calibrator
    rounds: int
    metrics: list[SplitMetrics]
    importance: list[dict[str, Any]]

    @property
    def test(self) -> SplitMetrics:
        return next(m for m in self.metrics if m.split == "test")

    def to_artifact(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "calibrator": {"x": self.calibrator.x, "y": self.calibrator.y},
            "booster": self.booster_text,
        }


@dataclass
class TrainedModel:
    views: dict[str, ViewModel]
    vocab: dict[str, list[str]]

    def artifact(self) -> str:
        return json.dumps(
            {
                "format": "lightgbm+isotonic/2",
                "features": list(FEATURES),
                "categorical": list(CATEGORICAL),
                "vocab": self.vocab,
                "views": {name: v.to_artifact() for name, v in self.views.items()},
            }
        )


def evaluate(
    split: str,
    label: NDArray[np.int8],
    prob: NDArray[np.float64],
    dates: NDArray[np.datetime64],
) -> SplitMetrics:
    """Every metric of one split (calibrated probabilities against outcomes)."""
    auc = auc_with_interval(label, prob)
    p5, r5 = top_share(label, prob, 0.05)
    p10, r10 = top_share(label, prob, 0.10)
    return SplitMetrics(
        split=split,
        orders=len(label),
        failures=int(label.sum()),
        start=str(dates.min())[:10] if len(dates) else None,
        end=str(dates.max())[:10] if len(dates) else None,
        auc=auc.estimate,
        auc_low=auc.low,
        auc_high=auc.high,
        brier=brier_score(label, prob),
        log_loss=log_loss(label, prob),
        calibration_error=calibration_error(label, prob),
        precision_top5=p5,
        recall_top5=r5,
        precision_top10=p10,
        recall_top10=r10,
        failure_rate=float(label.mean()) if len(label) else float("nan"),
        mean_probability=float(prob.mean()) if len(prob) else float("nan"),
    )


def has_signal(test: SplitMetrics) -> bool:
    """Whether a view ranks better than chance on the test period."""
    return bool(test.auc_low > 0.5 and test.auc >= MIN_USEFUL_AUC)


def split_masks(
    frame: FeatureFrame, valid_start: np.datetime64, test_start: np.datetime64, until: np.datetime64
) -> dict[str, NDArray[np.bool_]]:
    """Closed orders before ``until`` by period: train, validation, test."""
    d = frame.order_date
    closed = frame.is_closed & (d < until)
    return {
        "train": closed & (d < valid_start),
        "validation": closed & (d >= valid_start) & (d < test_start),
        "test": closed & (d >= test_start),
    }


def fit(
    frame: FeatureFrame,
    masks: dict[str, NDArray[np.bool_]],
    *,
    vocab: dict[str, list[str]],
    unpicked_share: float,
    seed: int,
) -> TrainedModel:
    """Train, calibrate and measure both views on the given splits."""
    y_train, y_valid = frame.label[masks["train"]], frame.label[masks["validation"]]
    if y_train.sum() < 10 or y_valid.sum() < 5:
        from dfras.domain.errors import UserError

        raise UserError(
            f"too few failed orders to train on ({int(y_train.sum())} in training, "
            f"{int(y_valid.sum())} in validation)",
            hint="import more history, or move --until later",
        )
    train_rows = np.flatnonzero(masks["train"])
    if len(train_rows) > MAX_TRAIN_ROWS:
        rng = np.random.default_rng(seed)
        keep = np.sort(rng.choice(train_rows, MAX_TRAIN_ROWS, replace=False))
        masks = dict(masks, train=np.zeros_like(masks["train"]))
        masks["train"][keep] = True
    views = {}
    for view, names in VIEWS.items():
        shares = {f: unpicked_share for f in WAREHOUSE_FEATURES} if view == "placement" else {}
        views[view] = _fit_view(frame, masks, view, names, shares, seed)
    return TrainedModel(views, vocab)


def _fit_view(
    frame: FeatureFrame,
    masks: dict[str, NDArray[np.bool_]],
    view: str,
    names: tuple[str, ...],
    mask_shares: dict[str, float],
    seed: int,
) -> ViewModel:
    import lightgbm as lgb

    cols = np.array([FEATURES.index(f) for f in names], dtype=np.intp)
    rng = np.random.default_rng(seed)
    x_train = frame.matrix[np.ix_(np.flatnonzero(masks["train"]), cols)]
    if mask_shares:
        u = rng.random(len(x_train))
        for f, share in mask_shares.items():
            x_train[u < share, names.index(f)] = np.nan
    y_train = frame.label[masks["train"]]
    x_valid = frame.matrix[np.ix_(np.flatnonzero(masks["validation"]), cols)]
    y_valid = frame.label[masks["validation"]]
    cats = [i for i, f in enumerate(names) if f in CATEGORICAL]
    params = dict(PARAMS, seed=seed)
    train_set = lgb.Dataset(
        x_train, y_train, feature_name=list(names), categorical_feature=cats, free_raw_data=True
    )
    valid_set = lgb.Dataset(x_valid, y_valid, reference=train_set)
    booster = lgb.train(
        params,
        train_set,
        num_boost_round=MAX_ROUNDS,
        valid_sets=[valid_set],
        callbacks=[lgb.early_stopping(EARLY_STOP, verbose=False)],
    )
    rounds = int(booster.best_iteration or booster.current_iteration())
    raw_valid = np.asarray(booster.predict(x_valid, num_iteration=rounds, raw_score=True))
    calibrator = Calibrator.fit(raw_valid, y_valid)
    metrics = []
    for split, m in masks.items():
        x = x_train if split == "train" else frame.matrix[np.ix_(np.flatnonzero(m), cols)]
        raw = np.asarray(booster.predict(x, num_iteration=rounds, raw_score=True))
        metrics.append(evaluate(split, frame.label[m], calibrator(raw), frame.order_date[m]))
    gain = booster.feature_importance(importance_type="gain", iteration=rounds)
    total = float(gain.sum()) or 1.0
    importance = sorted(
        (
            {"feature": f, "share": round(float(g) / total, 4)}
            for f, g in zip(names, gain, strict=True)
        ),
        key=lambda r: -float(str(r["share"])),
    )
    return ViewModel(
        view=view,
        features=names,
        booster_text=booster.model_to_string(num_iteration=rounds),
        calibrator=calibrator,
        rounds=rounds,
        metrics=metrics,
        importance=importance,
    )


class LoadedModel:
    """A registered model ready to score orders (both views)."""

    def __init__(self, artifact: str) -> None:
        import lightgbm as lgb

        doc = json.loads(artifact)
        if doc.get("features") != list(FEATURES) or "views" not in doc:
            from dfras.domain.errors import UserError

            raise UserError(
                "the registered model was trained on other features than this DFRAS computes",
                hint="train a new one with `dfras model train`",
            )
        self.vocab: dict[str, list[str]] = doc["vocab"]
        self.views: dict[str, tuple[list[int], Calibrator, Any]] = {}
        for name, v in doc["views"].items():
            cols = [FEATURES.index(f) for f in v["features"]]
            cal = Calibrator(v["calibrator"]["x"], v["calibrator"]["y"])
            self.views[name] = (cols, cal, lgb.Booster(model_str=v["booster"]))

    def probability(self, view: str, matrix: NDArray[np.float64]) -> NDArray[np.float64]:
        cols, cal, booster = self.views[view]
        raw = np.asarray(booster.predict(matrix[:, cols], raw_score=True))
        return cal(raw)

    def contributions(self, view: str, matrix: NDArray[np.float64]) -> NDArray[np.float64]:
        """Contributions to the raw score (log-odds) per feature of FEATURES (0 where the view
        does not use it)."""
        cols, _, booster = self.views[view]
        out = np.zeros((len(matrix), len(FEATURES)))
        if len(matrix):
            contrib = np.asarray(booster.predict(matrix[:, cols], pred_contrib=True))
            out[:, cols] = contrib[:, : len(cols)]
        return out
