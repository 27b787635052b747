"""The latent-class EM on small synthetic pattern tables with known answers."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from dfras.causes.model import fit_latent_classes, posterior_of

PI = np.array([0.5, 0.3, 0.2])
THETA = [
    np.array([[0.80, 0.15, 0.05], [0.10, 0.80, 0.10], [0.20, 0.20, 0.60]]),
    np.array([[0.70, 0.30], [0.20, 0.80], [0.50, 0.50]]),
    np.array([[0.6, 0.2, 0.1, 0.1], [0.1, 0.1, 0.7, 0.1], [0.1, 0.6, 0.1, 0.2]]),
    np.array([[0.9, 0.1], [0.85, 0.15], [0.1, 0.9]]),
]
LEVELS = [t.shape[1] for t in THETA]


def _joint(x: np.ndarray) -> np.ndarray:
    """P(pattern, class) under the true model; -1 codes are marginalised out."""
    p = np.tile(PI, (len(x), 1))
    for f, t in enumerate(THETA):
        seen = x[:, f] >= 0
        p[seen] *= t[:, x[seen, f]].T
    return p


def _table(n: float = 100_000.0) -> tuple[np.ndarray, np.ndarray]:
    x = np.array(list(itertools.product(*(range(k) for k in LEVELS))))
    return x, n * _joint(x).sum(axis=1)  # exact expected counts


def _seeds(mix: float = 0.5) -> list[np.ndarray]:
    """The truth blurred towards uniform: a rough expert guess."""
    return [(1 - mix) * t + mix / t.shape[1] for t in THETA]


def test_recovers_known_posteriors() -> None:
    x, counts = _table()
    fit = fit_latent_classes(x, counts, LEVELS, prior_theta=_seeds(), prior_weight=1.0)
    truth = _joint(x)
    truth /= truth.sum(axis=1, keepdims=True)
    assert fit.converged
    assert np.abs(fit.posterior - truth).max() < 0.01
    assert np.allclose(fit.pi, PI, atol=0.01)
    for fitted, true in zip(fit.theta, THETA, strict=True):
        assert np.allclose(fitted, true, atol=0.02)


def test_missing_values_carry_no_evidence() -> None:
    x, counts = _table()
    gap = x.copy()
    gap[:, 2] = -1  # the same orders with feature 2 not recorded
    both = np.vstack([x, gap])
    fit = fit_latent_classes(
        both, np.concatenate([counts, counts]), LEVELS, prior_theta=_seeds(), prior_weight=1.0
    )
    truth = _joint(gap)
    truth /= truth.sum(axis=1, keepdims=True)
    assert np.abs(fit.posterior[len(x) :] - truth).max() < 0.01
    assert np.allclose(fit.theta[2], THETA[2], atol=0.02)


def test_frozen_class_keeps_its_seed() -> None:
    x, counts = _table()
    seeds = _seeds()
    fit = fit_latent_classes(x, counts, LEVELS, prior_theta=seeds, frozen=(2,), prior_weight=1.0)
    for fitted, seed in zip(fit.theta, seeds, strict=True):
        assert np.allclose(fitted[2], seed[2])
        assert not np.allclose(fitted[0], seed[0])


def test_posterior_of_new_patterns_matches_the_fit() -> None:
    x, counts = _table()
    fit = fit_latent_classes(x, counts, LEVELS, prior_theta=_seeds())
    assert np.allclose(posterior_of(fit, x), fit.posterior)
    partial = x[:5].copy()
    partial[:, 0] = -1
    assert posterior_of(fit, partial).shape == (5, 3)


def test_likelihood_ratios() -> None:
    x, counts = _table()
    fit = fit_latent_classes(x, counts, LEVELS, prior_theta=_seeds(), prior_weight=1.0)
    ratios = fit.likelihood_ratios(3)
    # feature 3, level 1 points to class 2 (0.9 against 0.1 / 0.15 elsewhere)
    assert ratios[2, 1] > 5 and ratios[0, 1] < 0.5
    assert ratios.shape == THETA[3].shape


def test_empty_table_and_bad_shapes() -> None:
    empty = fit_latent_classes(
        np.zeros((0, 4), dtype=int), np.zeros(0), LEVELS, prior_theta=_seeds()
    )
    assert empty.posterior.shape == (0, 3) and np.isclose(empty.pi.sum(), 1.0)
    with pytest.raises(ValueError):
        fit_latent_classes(np.zeros((3, 2), dtype=int), np.ones(3), LEVELS, prior_theta=_seeds())
