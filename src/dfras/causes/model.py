"""A latent-class (naive Bayes) model fitted by EM on counted evidence patterns.

What: each outcome order has an unobserved cause ``c`` and discrete evidence ``x_1..x_F``
assumed independent given the cause (the naive-Bayes, or latent-class, assumption):
``P(x, c) = pi_c * prod_f theta_f[c, x_f]``. EM estimates ``pi`` and ``theta`` from orders
whose cause is unknown, and gives each evidence pattern its posterior ``P(c | x)``.

Why this shape: the engine groups the outcome orders by their evidence pattern, so the fit sees
a few thousand (pattern, count) rows rather than millions of orders; an E-step is one table
look-up per feature and an M-step one ``bincount`` per feature. (No matrix products: threaded
BLAS stalls badly on a busy machine, and the indicator matrix would be mostly zeros.) Posteriors of a well-specified latent-class model are calibrated
(of the orders given 0.8, about 80% have that cause), which is what a per-order confidence must
be. The expert seed (see :mod:`dfras.causes.evidence`) is both the starting point and a
Dirichlet prior of modest weight: it keeps classes identified (class k stays cause k) and rare
levels away from probability zero. A class can be *frozen* at its seed: the causes service
uses one for "unexplained" orders whose evidence looks like that of the outcome at large.

A missing value (level code -1, e.g. no feedback written) says nothing: it enters neither the
likelihood nor the frequencies. Uses numpy only (start-up time matters).

Example:
    >>> import numpy as np
    >>> x = np.array([[0], [1]])
    >>> seed = [np.array([[0.9, 0.1], [0.1, 0.9]])]
    >>> fit = fit_latent_classes(x, np.array([90.0, 10.0]), [2], prior_theta=seed)
    >>> bool(fit.posterior[0, 0] > 0.5), fit.converged
    (True, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Pseudo-orders per class with which the seed weighs on each feature's frequencies.
PRIOR_WEIGHT = 10.0
#: Pseudo-orders per class added to the class shares (keeps an absent cause possible).
PI_WEIGHT = 1.0
MAX_ITER = 500
TOL = 1e-8


@dataclass(frozen=True)
class LatentClassFit:
    """Fitted shares ``pi`` (C,), frequencies ``theta`` (per feature (C, L)), posteriors."""

    pi: np.ndarray
    theta: list[np.ndarray]
    posterior: np.ndarray  # (patterns, C): P(cause | pattern)
    loglik: float  # log-likelihood of the data (without the prior) at the fit
    iterations: int
    converged: bool

    def likelihood_ratios(self, feature: int) -> np.ndarray:
        """(C, L): how much more often each class shows a level than the other classes do
        (weighted by their shares)."""
        theta = self.theta[feature]
        weighted = self.pi[:, None] * theta
        others = (weighted.sum(axis=0)[None, :] - weighted) / (self.pi.sum() - self.pi)[:, None]
        return np.asarray(theta / np.maximum(others, 1e-300))


def fit_latent_classes(
    x: np.ndarray,
    counts: np.ndarray,
    n_levels: list[int],
    *,
    prior_theta: list[np.ndarray],
    pi_pseudo: np.ndarray | None = None,
    prior_weight: float = PRIOR_WEIGHT,
    frozen: tuple[int, ...] = (),
    max_iter: int = MAX_ITER,
    tol: float = TOL,
) -> LatentClassFit:
    """Fit the model to ``counts`` orders per pattern (rows of level codes ``x``, (P, F)).

    ``prior_theta[f]`` (C, L_f) seeds and regularises the frequencies with ``prior_weight``
    pseudo-orders per class; classes in ``frozen`` keep their seeded frequencies. The shares
    get ``pi_pseudo`` (C,) pseudo-orders (``PI_WEIGHT`` each when None). Iterates until the
    penalised log-likelihood gains less than ``tol`` (relative) or ``max_iter`` is reached.
    """
    x = np.asarray(x, dtype=np.int64)
    counts = np.asarray(counts, dtype=float)
    if x.ndim != 2 or x.shape[1] != len(n_levels) or len(prior_theta) != len(n_levels):
        raise ValueError("x must be (patterns, features) with one prior per feature")
    n_classes = prior_theta[0].shape[0]
    alpha = np.full(n_classes, PI_WEIGHT) if pi_pseudo is None else np.asarray(pi_pseudo, float)
    seeds = [np.asarray(t, dtype=float) / np.sum(t, axis=1, keepdims=True) for t in prior_theta]
    pi = alpha / alpha.sum()
    if len(counts) == 0 or counts.sum() <= 0:
        return LatentClassFit(pi, seeds, np.zeros((0, n_classes)), 0.0, 0, True)
    # codes per feature with the missing value moved to an extra last level (weight 0)
    codes = [np.where(x[:, f] >= 0, x[:, f], n) for f, n in enumerate(n_levels)]
    # flat (level, class) cells, for counting expected orders per level with one bincount
    cells = [(c[:, None] * n_classes + np.arange(n_classes)).ravel() for c in codes]
    learn = np.ones(n_classes, dtype=bool)
    learn[list(frozen)] = False
    theta = [s.copy() for s in seeds]
    previous = -np.inf
    converged = False
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 - iterations is reported
        post, loglik = _e_step(codes, pi, theta)
        penalised = float(np.sum(counts * loglik)) + _log_prior(
            pi, theta, alpha, seeds, prior_weight
        )
        if abs(penalised - previous) <= tol * max(1.0, abs(penalised)):
            converged = True
            break
        previous = penalised
        weighted = (post * counts[:, None]).ravel()  # expected orders per pattern and class
        n_c = weighted.reshape(-1, n_classes).sum(axis=0)
        pi = (n_c + alpha) / (n_c.sum() + alpha.sum())
        for f, n in enumerate(n_levels):
            hits = np.bincount(cells[f], weights=weighted, minlength=(n + 1) * n_classes)
            hits = hits.reshape(n + 1, n_classes)[:n].T  # (C, L): the missing level dropped
            fitted = (hits + prior_weight * seeds[f]) / (
                hits.sum(axis=1, keepdims=True) + prior_weight
            )
            theta[f] = np.where(learn[:, None], fitted, seeds[f])
    post, loglik = _e_step(codes, pi, theta)
    return LatentClassFit(
        pi=pi,
        theta=theta,
        posterior=post,
        loglik=float(np.sum(counts * loglik)),
        iterations=iterations,
        converged=converged,
    )


def posterior_of(fit: LatentClassFit, x: np.ndarray) -> np.ndarray:
    """P(class | pattern) for patterns ``x`` (P, F) under a fitted model."""
    x = np.asarray(x, dtype=np.int64)
    log_p = np.tile(np.log(fit.pi), (len(x), 1))
    for f, theta in enumerate(fit.theta):
        seen = x[:, f] >= 0
        log_p[seen] += np.log(theta[:, x[seen, f]]).T
    return _normalise(log_p)[0]


def _e_step(
    codes: list[np.ndarray], pi: np.ndarray, theta: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Posteriors and per-pattern log-likelihoods; ``codes[f]`` uses level L_f for missing."""
    log_p = np.tile(np.log(pi), (len(codes[0]), 1))
    for c, t in zip(codes, theta, strict=True):
        table = np.vstack([np.log(t).T, np.zeros(len(pi))])  # (L_f + 1, C); missing: log 1
        log_p += np.take(table, c, axis=0)
    return _normalise(log_p)


def _normalise(log_p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-normalised probabilities and each row's log normaliser (its log-likelihood)."""
    top = log_p.max(axis=1, keepdims=True)
    p = np.exp(log_p - top)
    total = p.sum(axis=1, keepdims=True)
    return p / total, (np.log(total) + top)[:, 0]


def _log_prior(
    pi: np.ndarray,
    theta: list[np.ndarray],
    alpha: np.ndarray,
    seeds: list[np.ndarray],
    weight: float,
) -> float:
    """Log Dirichlet prior density (up to a constant) of the shares and the frequencies."""
    total = float((alpha * np.log(pi)).sum())
    for t, s in zip(theta, seeds, strict=True):
        total += float((weight * s * np.log(t)).sum())
    return total
