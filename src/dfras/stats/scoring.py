"""How good probabilistic predictions are: AUC with a DeLong interval, Brier, log loss,
calibration error, precision and recall among the highest-ranked.

The AUC interval is DeLong's (the variance of the Mann-Whitney statistic from its structural
components, computed with midranks in O(n log n)); it decides whether a model ranks better than
chance. Inputs are a model's predictions on one evaluation split (arrays of labels and scores),
the one place DFRAS works on per-order arrays in Python.

Example:
    >>> import numpy as np
    >>> auc = auc_with_interval(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    >>> round(auc.estimate, 2)
    0.75
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import rankdata

FloatArray = NDArray[np.float64]
EPS = 1e-12


@dataclass(frozen=True)
class AucEstimate:
    """Area under the ROC curve with its DeLong standard error and 95% interval."""

    estimate: float
    se: float
    low: float
    high: float

    @property
    def includes_chance(self) -> bool:
        return self.low <= 0.5 <= self.high


def auc_with_interval(y: NDArray[np.integer], score: FloatArray, z: float = 1.96) -> AucEstimate:
    """AUC of ``score`` for binary labels ``y`` with DeLong's interval (NaN when one class)."""
    y = np.asarray(y).astype(bool)
    score = np.asarray(score, dtype=np.float64)
    pos, neg = score[y], score[~y]
    m, n = len(pos), len(neg)
    if m == 0 or n == 0:
        nan = float("nan")
        return AucEstimate(nan, nan, nan, nan)
    r_all = rankdata(score)
    r_pos, r_neg = rankdata(pos), rankdata(neg)
    auc = (r_all[y].sum() - m * (m + 1) / 2) / (m * n)
    # structural components: v10 for each positive, v01 for each negative
    v10 = (r_all[y] - r_pos) / n
    v01 = 1.0 - (r_all[~y] - r_neg) / m
    var = (np.var(v10, ddof=1) / m if m > 1 else 0.0) + (np.var(v01, ddof=1) / n if n > 1 else 0.0)
    se = math.sqrt(max(var, 0.0))
    return AucEstimate(float(auc), se, float(auc - z * se), float(auc + z * se))


def brier_score(y: NDArray[np.integer], p: FloatArray) -> float:
    return float(np.mean((np.asarray(p) - np.asarray(y)) ** 2))


def log_loss(y: NDArray[np.integer], p: FloatArray) -> float:
    q = np.clip(np.asarray(p, dtype=np.float64), 1e-15, 1 - 1e-15)
    yy = np.asarray(y, dtype=np.float64)
    return float(-np.mean(yy * np.log(q) + (1 - yy) * np.log(1 - q)))


def calibration_error(y: NDArray[np.integer], p: FloatArray, bins: int = 10) -> float:
    """Expected calibration error over ``bins`` equal-count bins of the predicted probability:
    the count-weighted mean of |mean predicted - observed rate|."""
    p = np.asarray(p, dtype=np.float64)
    yy = np.asarray(y, dtype=np.float64)
    if len(p) == 0:
        return float("nan")
    order = np.argsort(p, kind="stable")
    total = 0.0
    for chunk in np.array_split(order, min(bins, len(p))):
        total += len(chunk) * abs(float(p[chunk].mean() - yy[chunk].mean()))
    return total / len(p)


def top_share(y: NDArray[np.integer], score: FloatArray, share: float) -> tuple[float, float]:
    """(precision, recall) among the ``share`` of orders with the highest scores."""
    yy = np.asarray(y).astype(bool)
    k = max(1, round(share * len(yy)))
    top = np.argsort(-np.asarray(score), kind="stable")[:k]
    hits = int(yy[top].sum())
    positives = int(yy.sum())
    return hits / k, (hits / positives if positives else float("nan"))
