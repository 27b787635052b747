"""Keeping only findings that add something: no combination that a simpler one explains.

Three rules, applied to the findings that passed the false-discovery-rate bar:

1. **A pair must add to its parents.** Two effects that merely add up (heavy traffic is bad,
   Pune is bad, so heavy traffic in Pune is worse) are not a combination: the pair is kept only
   when its outcomes exceed what its parents predict together — the multiplicative prediction
   r_A · r_B / r_0 — by a one-sided binomial test, with Benjamini–Hochberg over the pairs
   examined, and when its rate is above the rest of each parent.
2. **A broad segment is explained away by a narrower, stronger one inside it.** Segment B lies
   inside A when each of A's conditions is one of B's, or is implied by one of B's (at least 90%
   of B's value falls in A's, read from the pair counts: warehouse 30 lies in Bengaluru). When
   A's orders outside B are no longer above the baseline (one-sided binomial test at 5%), A is
   dropped: the city's excess *is* its warehouse's.
3. **A per-cause finding folds into its segment.** When the same value stands out overall, the
   reason joins that segment's ``main_causes``; when a kept segment nested in the value holds
   the reason's excess, the per-cause finding is explained away like rule 2. It stays on its
   own only when the overall rate looks ordinary (the driver whose address failures are five
   times the norm).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.special import betainc

from dfras.analysis.attributes import role_of
from dfras.analysis.findings import Finding
from dfras.stats.proportions import bh_qvalues, fisher_upper

Key = tuple[Any, ...]
NESTED_SHARE = 0.9
MAX_PENDING = 30
MAX_EXPLAINERS = 12
LEFT_OVER_ALPHA = 0.05


def key_of(kind: str, cause: str | None, conditions: dict[str, Any]) -> Key:
    return (kind, cause, tuple(sorted((k, str(v)) for k, v in conditions.items())))


def prune(
    significant: list[Finding],
    *,
    index: dict[Key, Finding],
    fdr: float,
    reason_counter: Callable[[list[Finding]], dict[Key, dict[str, int]]] | None = None,
    overlap_counter: Callable[[list[tuple[Finding, Finding]]], list[tuple[int, int]]] | None = None,
) -> list[Finding]:
    """The findings worth reporting; see the module docstring for the rules.

    ``reason_counter`` gives the recorded reasons inside given findings (asked once, for the
    segments and windows that survive rules 1 and 2); ``overlap_counter`` gives, for pairs
    (per-cause finding, explainer), the orders they share and the shared failures with the
    per-cause finding's reason (asked once, for every pair rule 3 needs).
    """
    pairs = [f for f in significant if f.kind == "segment" and f.size == 2]
    kept_pairs = _pairs_adding_to_parents(pairs, index, fdr)
    segments = [f for f in significant if f.kind == "segment" and f.size == 1] + kept_pairs
    segments = _drop_explained(segments, index)
    windows = [f for f in significant if f.kind == "window"]
    reason_counts = None
    if reason_counter is not None:
        explainers = [f for f in segments if role_of(f.conditions) == "cause"] + windows
        reason_counts = reason_counter(explainers)
    kept = list(segments)
    singles = {f.key(): f for f in segments if f.size == 1}
    causes = [f for f in significant if f.kind == "cause"]
    pending: list[Finding] = []
    for f in causes:
        parent = singles.get(key_of("segment", None, f.conditions))
        if parent is not None:
            parent.main_causes.append(
                {
                    "cause": f.cause,
                    "outcomes": f.outcomes,
                    "risk_ratio": f.risk_ratio,
                    "q_value": f.q_value,
                }
            )
        else:
            pending.append(f)
    explainers = [b for b in segments if role_of(b.conditions) == "cause"] + windows
    kept += _causes_left(pending, explainers, index, reason_counts, overlap_counter)
    kept += [f for f in significant if f.kind not in ("segment", "cause")]
    for f in kept:
        f.main_causes.sort(key=lambda c: -c["outcomes"])
    return kept


def _pairs_adding_to_parents(
    pairs: list[Finding], index: dict[Key, Finding], fdr: float
) -> list[Finding]:
    p_int = np.ones(len(pairs))
    for i, f in enumerate(pairs):
        parents = []
        for attr in f.conditions:
            rest = {k: v for k, v in f.conditions.items() if k != attr}
            parent = index.get(key_of("segment", None, rest))
            if parent is None:
                break
            n_rest = parent.support - f.support
            k_rest = parent.outcomes - f.outcomes
            if n_rest <= 0 or f.rate <= k_rest / n_rest:
                break
            parents.append(parent)
        else:
            r0 = f.baseline
            if r0 <= 0 or len(parents) != 2:
                p_int[i] = 0.0 if r0 <= 0 else 1.0
                continue
            expected = min(0.999, parents[0].rate * parents[1].rate / r0)
            p_int[i] = _left_over_p(f.outcomes, f.support, expected)
    q = bh_qvalues(p_int) if len(pairs) else p_int
    return [f for f, qv in zip(pairs, q, strict=True) if qv <= fdr]


def within(inner: dict[str, Any], outer: dict[str, Any], index: dict[Key, Finding]) -> bool:
    """Whether the orders of ``inner``'s conditions lie (≥ 90%) inside ``outer``'s."""
    for attr, value in outer.items():
        if attr in inner:
            if str(inner[attr]) != str(value):
                return False
            continue
        implied = False
        for a2, v2 in inner.items():
            single = index.get(key_of("segment", None, {a2: v2}))
            both = index.get(key_of("segment", None, {attr: value, a2: v2}))
            if (
                single is not None
                and both is not None
                and both.support >= NESTED_SHARE * single.support
            ):
                implied = True
                break
        if not implied:
            return False
    return True


def _left_over_p(k: int, n: int, rate: float) -> float:
    """P(X ≥ k) for X ~ Binomial(n, rate): is what is left still above the baseline?"""
    if n <= 0 or k <= 0:
        return 1.0
    if rate <= 0:
        return 0.0
    return float(betainc(k, n - k + 1, min(rate, 1.0)))


def _overlap(a: Finding, b: Finding, index: dict[Key, Finding]) -> tuple[int, int] | None:
    """Orders and outcomes that ``a`` shares with ``b`` (None when the counts are unknown).

    Known when ``b`` lies inside ``a`` (then it is ``b`` itself), or when both are singles on
    different attributes (then it is their pair's count).
    """
    if within(b.conditions, a.conditions, index):
        return b.support, b.outcomes
    if a.size == 1 and b.size == 1 and a.conditions.keys() != b.conditions.keys():
        both = index.get(key_of("segment", None, {**a.conditions, **b.conditions}))
        if both is not None:
            return both.support, both.outcomes
    return None


def _drop_explained(segments: list[Finding], index: dict[Key, Finding]) -> list[Finding]:
    """Rule 2 over cause segments (symptoms describe causes and are kept as they are).

    A broad segment goes when what it shares with a stronger one accounts for its excess; then
    a narrow segment goes when it does not stand out within a kept segment that contains it.
    """
    causes = [f for f in segments if role_of(f.conditions) == "cause"]
    kept = []
    for a in segments:
        if role_of(a.conditions) != "cause":
            kept.append(a)
            continue
        explained = False
        for b in causes:
            if b is a or b.risk_ratio <= a.risk_ratio:
                continue
            shared = _overlap(a, b, index)
            if shared is None or shared[0] <= 0:
                continue
            left = _left_over_p(a.outcomes - shared[1], a.support - shared[0], a.baseline)
            if left > LEFT_OVER_ALPHA:
                explained = True
                break
        if not explained:
            kept.append(a)
    out = []
    for b in kept:
        inside_of = [
            a
            for a in kept
            if a is not b
            and role_of(a.conditions) == "cause"
            and a.support > b.support
            and within(b.conditions, a.conditions, index)
        ]
        if role_of(b.conditions) == "cause" and any(not _stands_out(b, a) for a in inside_of):
            continue
        out.append(b)
    return out


def _stands_out(inner: Finding, outer: Finding) -> bool:
    """Whether ``inner`` has a higher rate than the rest of ``outer`` that contains it."""
    n = outer.support - inner.support
    k = outer.outcomes - inner.outcomes
    if n <= 0:
        return False
    p = float(
        fisher_upper(
            np.array([inner.outcomes]),
            np.array([inner.support]),
            np.array([outer.outcomes]),
            np.array([outer.support]),
        )[0]
    )
    return p <= LEFT_OVER_ALPHA and inner.rate > k / n


def _causes_left(
    pending: list[Finding],
    explainers: list[Finding],
    index: dict[Key, Finding],
    reason_counts: dict[Key, dict[str, int]] | None,
    overlap_counter: Callable[[list[tuple[Finding, Finding]]], list[tuple[int, int]]] | None,
) -> list[Finding]:
    """Rule 3 for the per-cause findings that did not fold into their segment."""
    if reason_counts is None or overlap_counter is None:
        return pending
    # the strongest candidates only: the findings that could reach the top of the answer and
    # the explainers big enough to hold their excess
    top = sorted(pending, key=lambda f: -f.excess)[:MAX_PENDING]
    strong = sorted(explainers, key=lambda b: -b.excess)[:MAX_EXPLAINERS]
    combos = [
        (f, b)
        for f in top
        for b in strong
        if reason_counts.get(b.key(), {}).get(f.cause or "", 0) > 0
    ]
    shared = overlap_counter(combos) if combos else []
    explained: set[int] = set()
    for (f, _), (n_shared, k_shared) in zip(combos, shared, strict=True):
        if n_shared <= 0 or id(f) in explained:
            continue
        left = _left_over_p(f.outcomes - k_shared, f.support - n_shared, f.baseline)
        if left > LEFT_OVER_ALPHA:
            explained.add(id(f))
    return [f for f in pending if id(f) not in explained]
