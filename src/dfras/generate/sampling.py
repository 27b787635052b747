"""Deterministic random streams and the vectorised sampling primitives the generator uses.

Every stage of the generator draws from its own numpy ``Generator`` derived from the user's
seed and the stage's name, so adding draws to one stage never shifts the numbers of another
and the same (seed, inputs) always give the same files. The helpers below draw whole arrays at
once (categorical choices, choices within groups, skewed weights): no per-row Python loops.
"""

from __future__ import annotations

import zlib

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class Streams:
    """Independent random generators keyed by stage name, all derived from one seed."""

    def __init__(self, seed: int) -> None:
        if seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed}")
        self._seed = seed

    def rng(self, name: str) -> np.random.Generator:
        """A fresh generator for the stage ``name`` (same name, same numbers)."""
        words = [self._seed & 0xFFFFFFFF, self._seed >> 32, zlib.crc32(name.encode("utf-8"))]
        return np.random.default_rng(np.random.SeedSequence(words))


def categorical(rng: np.random.Generator, probs: npt.ArrayLike, size: int) -> IntArray:
    """``size`` draws of category indices with the fixed probabilities ``probs``."""
    p = np.asarray(probs, dtype=np.float64)
    cum = np.cumsum(p / p.sum())
    cum[-1] = 1.0
    idx = np.searchsorted(cum, rng.random(size), side="right")
    return np.minimum(idx, len(p) - 1).astype(np.int64)


def categorical_rows(rng: np.random.Generator, weights: FloatArray) -> IntArray:
    """One category index per row of ``weights`` (shape rows x categories), row-normalised."""
    if weights.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    cum = np.cumsum(weights, axis=1)
    u = rng.random(weights.shape[0]) * cum[:, -1]
    idx = (cum <= u[:, None]).sum(axis=1)
    return np.minimum(idx, weights.shape[1] - 1).astype(np.int64)


def zipf_weights(ranks: IntArray, exponent: float) -> FloatArray:
    """Skewed weights ``rank ** -exponent`` (rank 1 is the heaviest)."""
    return np.asarray(ranks, dtype=np.float64) ** (-exponent)


def ranks_within_groups(rng: np.random.Generator, groups: IntArray) -> IntArray:
    """A random 1-based rank for every item inside its group (a random order per group)."""
    n = len(groups)
    order = np.lexsort((rng.random(n), groups))
    sorted_groups = groups[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_groups)) + 1]
    run_start = np.repeat(starts, np.diff(np.r_[starts, n]))
    ranks = np.empty(n, dtype=np.int64)
    ranks[order] = np.arange(n) - run_start + 1
    return ranks


class GroupSampler:
    """Draws items of a given group with probability proportional to the items' weights.

    Used to pick, for each order, a warehouse, driver or customer *of the order's city*:
    each group's weights are normalised into [g, g + 1) on one line so a single
    ``searchsorted`` serves every order at once. Every group must hold at least one item.
    """

    def __init__(self, groups: IntArray, weights: FloatArray, n_groups: int) -> None:
        order = np.lexsort((np.arange(len(groups)), groups))
        self._items = order
        g = groups[order]
        w = np.asarray(weights, dtype=np.float64)[order]
        counts = np.bincount(g, minlength=n_groups)
        if np.any(counts == 0):
            raise ValueError("every group needs at least one item")
        totals = np.bincount(g, weights=w, minlength=n_groups)
        cum = np.cumsum(w)
        starts = np.r_[0, np.cumsum(counts)[:-1]]
        before = np.r_[0.0, cum][starts]
        within = (cum - np.repeat(before, counts)) / np.repeat(totals, counts)
        self._line = g + within
        self._line[np.r_[np.cumsum(counts) - 1]] = np.arange(n_groups) + 1.0

    def draw(self, rng: np.random.Generator, groups: IntArray) -> IntArray:
        """One item index per entry of ``groups``."""
        target = groups + rng.random(len(groups))
        pos = np.searchsorted(self._line, target, side="right")
        pos = np.minimum(pos, len(self._line) - 1)
        return self._items[pos].astype(np.int64)


def lognormal(
    rng: np.random.Generator, median: FloatArray | float, sigma: float, size: int | tuple[int, ...]
) -> FloatArray:
    """Lognormal draws with the given median(s) and log-scale spread ``sigma``."""
    return np.asarray(median, dtype=np.float64) * np.exp(sigma * rng.standard_normal(size))
