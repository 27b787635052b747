"""Per-order root cause: the causes, the discrete evidence features, and the expert prior.

What: for each outcome (``failure``, ``return``, ``late``) the causes an order can have, the
evidence features the engine computes for every such order (each a small set of levels), and
the expert table saying which evidence points to which cause.

Why: the latent-class model (:mod:`dfras.causes.model`) learns from unlabelled data how often
each cause leaves each trace. Without a seed its classes are interchangeable; seeding cause k
with the evidence a domain expert expects it to leave (a stockout leaves a stock note, a
breakdown a GPS breakdown note) keeps class k meaning cause k, while the fitted frequencies
come from the data. The levels defined here are the vocabulary the SQL in
:mod:`dfras.query.causes` writes and the model reads, so both sides agree by construction.

Example:
    >>> cause("failure", "Stockout").category
    'Inventory'
    >>> FEATURES["wh_note"].levels[:3]
    ('none', 'stock', 'system')
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dfras.domain.reference import lookup_reason
from dfras.domain.themes import OTHER_THEME, THEME_RULES

OUTCOMES = ("failure", "return", "late")

#: A picking or dispatch wait longer than this many times its warehouse's median is "slow".
SLOW_FACTOR = 2.0
#: A transit longer than this many times its route's median is "slow".
TRANSIT_SLOW_FACTOR = 1.5
#: Routes with fewer timed attempts than this use their city's median transit instead.
MIN_ROUTE_ATTEMPTS = 20
#: Seeded frequency of evidence that points to another cause, relative to its overall one.
BACKGROUND = 0.25
#: Smallest seeded probability of any level.
SEED_FLOOR = 1e-4
#: Upper edges (hours) of the excess-over-norm bins of a late order's delay stages.
EXCESS_EDGES_H = (0.5, 2.0, 6.0, 12.0, 24.0)
EXCESS_LEVELS = ("none", "0.5-2h", "2-6h", "6-12h", "12-24h", "24h+")
#: A late order's delay severity by hours past the promise: below 6 h Low, below 24 h Medium.
LATE_SEVERITY_EDGES_H = (6.0, 24.0)
STAGES = ("picking", "dispatch", "transit", "reattempt")


@dataclass(frozen=True)
class Cause:
    """One cause an outcome order can have, with what to change so it happens less."""

    name: str
    category: str
    severity: str  # for late stages: see LATE_SEVERITY_EDGES_H (depends on the delay)
    preventive: tuple[str, ...]


@dataclass(frozen=True)
class Feature:
    """A discrete evidence variable computed per outcome order in the engine."""

    name: str
    levels: tuple[str, ...]
    description: str
    #: levels that mean "not recorded": treated as missing (no evidence either way)
    missing: tuple[str, ...] = ("unknown",)

    def code(self, level: str) -> int:
        """The model's code of ``level``: its index, or -1 when it means missing."""
        return -1 if level in self.missing else self.levels.index(level)


@dataclass(frozen=True)
class Pointer:
    """Expert belief: about ``share`` of ``cause``'s orders show one of ``levels``."""

    cause: str
    feature: str
    levels: tuple[str, ...]
    share: float


def _ref(code: str, preventive: tuple[str, ...]) -> Cause:
    reason = lookup_reason(code)
    assert reason is not None, code
    return Cause(reason.code, reason.category, reason.severity, preventive)


CAUSES: dict[str, tuple[Cause, ...]] = {
    "failure": (
        _ref(
            "Stockout", ("Reconcile stock before accepting orders", "Reorder fast movers earlier")
        ),
        _ref("Warehouse delay", ("Add picking staff at peak hours", "Review the dispatch cut-off")),
        _ref("Traffic congestion", ("Plan routes around peak traffic", "Add delivery slots")),
        _ref("Incorrect address", ("Validate addresses at checkout", "Call the customer first")),
        _ref("Address not found", ("Geocode addresses before dispatch", "Share a location pin")),
        _ref("Breakdown", ("Service vehicles on schedule", "Keep standby vehicles per hub")),
        _ref("System issue", ("Monitor warehouse systems", "Keep a manual fallback process")),
        Cause(
            "Weather disruption",
            "External",
            "Medium",
            ("Watch forecasts and reschedule early", "Tell customers before the storm"),
        ),
    ),
    "return": (
        _ref("Incorrect address", ("Validate addresses at checkout", "Call the customer first")),
        Cause(
            "Customer refused",
            "Human",
            "Low",
            ("Confirm the order before dispatch", "Offer open-box delivery"),
        ),
        Cause(
            "Damaged package",
            "Logistics",
            "High",
            ("Improve packaging of fragile items", "Check packages at handover"),
        ),
    ),
    "late": (
        Cause("picking", "Operational", "Medium", ("Add picking staff", "Prioritise old orders")),
        Cause("dispatch", "Operational", "Medium", ("Add dispatch waves", "Move the cut-off")),
        Cause("transit", "Fleet", "Medium", ("Rebalance routes", "Avoid peak-traffic slots")),
        Cause("reattempt", "Fleet", "Medium", ("Confirm availability before the first attempt",)),
    ),
}

#: Recorded reasons that name a cause in other words (compared as that cause).
ALIASES: dict[str, str] = {
    "heavy congestion": "Traffic congestion",
    "stock delay on item": "Stockout",
    "slow packing": "Warehouse delay",
}

_FAILURE_NAMES = tuple(c.name for c in CAUSES["failure"])
_THEMES = (*(t for t, _ in THEME_RULES), OTHER_THEME, "none")

FEATURES: dict[str, Feature] = {
    f.name: f
    for f in (
        Feature(
            "wh_note",
            ("none", "stock", "system", "slow", "other", "unknown"),
            "note on the warehouse log that dispatched the order",
        ),
        Feature(
            "wh_timing",
            ("normal", "pick_slow", "dispatch_slow", "both", "unknown"),
            f"picking minutes / dispatch wait over {SLOW_FACTOR:g}x the warehouse's median",
        ),
        Feature(
            "gps_last",
            ("none", "anf", "congestion", "breakdown", "other", "unknown"),
            "GPS note of the last delivery attempt (anf = address not found)",
        ),
        Feature(
            "gps_earlier",
            ("single", "anf", "breakdown", "congestion", "none", "unknown"),
            "single attempt, else the telling GPS note of the earlier attempts",
        ),
        Feature(
            "transit",
            ("normal", "slow", "unknown"),
            f"last attempt's transit over {TRANSIT_SLOW_FACTOR:g}x the route's median",
        ),
        Feature("traffic", ("heavy", "moderate", "clear", "unknown"), "traffic condition"),
        Feature("weather", ("storm", "rain", "fog", "clear", "unknown"), "weather condition"),
        Feature("event", ("none", "festival", "holiday", "strike", "other"), "event recorded"),
        Feature("feedback", _THEMES, "theme of the customer's feedback text", ("none",)),
        Feature("line2", ("blank", "present"), "delivery address line 2 left blank"),
        Feature(
            "addr_history",
            ("phone", "pincode", "no"),
            "an earlier address failure for the same customer phone, else the same pincode",
        ),
        Feature(
            "recorded",
            (*_FAILURE_NAMES, "other", "none"),
            "the recorded failure_reason, as the cause it names",
            ("none",),
        ),
        *(Feature(f"e_{s}", EXCESS_LEVELS, f"{s} stage hours over its norm") for s in STAGES),
    )
}

#: The features each outcome's model reads.
MODEL_FEATURES: dict[str, tuple[str, ...]] = {
    "failure": (
        "wh_note", "wh_timing", "gps_last", "gps_earlier", "transit", "traffic", "weather",
        "event", "feedback", "line2", "addr_history", "recorded",
    ),
    "return": (
        "wh_note", "gps_last", "gps_earlier", "transit", "feedback", "line2", "addr_history",
    ),
    "late": (
        "e_picking", "e_dispatch", "e_transit", "e_reattempt", "wh_timing", "gps_last",
        "traffic", "weather",
    ),
}  # fmt: skip

_SLOW = ("pick_slow", "dispatch_slow", "both")
_BIG = EXCESS_LEVELS[2:]

#: The expert table per outcome: which evidence points to which cause, and how often.
EXPERT: dict[str, tuple[Pointer, ...]] = {
    "failure": (
        Pointer("Stockout", "wh_note", ("stock",), 0.85),
        Pointer("Stockout", "feedback", ("stock", "cancelled"), 0.60),
        Pointer("Warehouse delay", "wh_timing", _SLOW, 0.80),
        Pointer("Warehouse delay", "wh_note", ("slow",), 0.50),
        Pointer("System issue", "wh_note", ("system",), 0.85),
        Pointer("Traffic congestion", "traffic", ("heavy",), 0.80),
        Pointer("Traffic congestion", "gps_last", ("congestion",), 0.80),
        Pointer("Traffic congestion", "transit", ("slow",), 0.60),
        Pointer("Weather disruption", "weather", ("storm", "rain"), 0.85),
        Pointer("Incorrect address", "gps_last", ("anf",), 0.80),
        Pointer("Incorrect address", "gps_earlier", ("single",), 0.70),
        Pointer("Incorrect address", "line2", ("blank",), 0.40),
        Pointer("Incorrect address", "feedback", ("address",), 0.60),
        Pointer("Incorrect address", "addr_history", ("phone",), 0.15),
        Pointer("Address not found", "gps_last", ("anf",), 0.80),
        Pointer("Address not found", "gps_earlier", ("anf",), 0.70),
        Pointer("Address not found", "feedback", ("address",), 0.60),
        Pointer("Breakdown", "gps_last", ("breakdown",), 0.80),
        Pointer("Breakdown", "gps_earlier", ("breakdown",), 0.30),
        *(Pointer(c, "recorded", (c,), 0.50) for c in _FAILURE_NAMES),
    ),
    "return": (
        Pointer("Incorrect address", "gps_last", ("anf",), 0.80),
        Pointer("Incorrect address", "line2", ("blank",), 0.40),
        Pointer("Incorrect address", "feedback", ("address",), 0.60),
        Pointer("Incorrect address", "addr_history", ("phone",), 0.15),
        Pointer("Customer refused", "feedback", ("other", "positive"), 0.70),
        Pointer("Damaged package", "feedback", ("damaged",), 0.70),
    ),
    "late": (
        Pointer("picking", "e_picking", _BIG, 0.85),
        Pointer("picking", "wh_timing", _SLOW, 0.40),
        Pointer("dispatch", "e_dispatch", _BIG, 0.85),
        Pointer("transit", "e_transit", _BIG, 0.85),
        Pointer("transit", "gps_last", ("congestion",), 0.30),
        Pointer("reattempt", "e_reattempt", _BIG, 0.85),
    ),
}


def cause(outcome: str, name: str) -> Cause:
    """The cause ``name`` of ``outcome``; KeyError when it is not one."""
    for c in CAUSES[outcome]:
        if c.name == name:
            return c
    raise KeyError(f"{name!r} is not a {outcome} cause")


def cause_names(outcome: str) -> tuple[str, ...]:
    return tuple(c.name for c in CAUSES[outcome])


def pointers(outcome: str) -> tuple[Pointer, ...]:
    """The expert pointers of one outcome's causes."""
    return EXPERT[outcome]


def recorded_cause(outcome: str, recorded: str | None) -> str | None:
    """The cause a recorded reason names for ``outcome`` (aliases resolved), else None."""
    if recorded is None or recorded in ("none", "other"):
        return None
    key = " ".join(recorded.split()).casefold()
    for name in cause_names(outcome):
        if name.casefold() == key:
            return name
    alias = ALIASES.get(key)
    return alias if alias in cause_names(outcome) else None


def prior_theta(outcome: str, marginals: dict[str, np.ndarray]) -> list[np.ndarray]:
    """Seed probabilities per model feature, shape (causes, levels), from the expert table.

    ``marginals[f]`` counts each level of feature ``f`` among this outcome's orders. For each
    cause: its pointed levels together get ``share`` (split by their overall frequency);
    levels the table points at *other* causes get ``BACKGROUND`` times their overall
    frequency (background noise); the rest goes to the remaining levels by their overall
    frequency. The seed says what each cause is expected to show; the data re-estimates
    every frequency.
    """
    names = cause_names(outcome)
    out = []
    for feat in MODEL_FEATURES[outcome]:
        levels = FEATURES[feat].levels
        base = np.asarray(marginals[feat], dtype=float) + 1e-3
        base = base / base.sum()
        mine = {p.cause: p for p in pointers(outcome) if p.feature == feat}
        flagged = np.array([any(lv in p.levels for p in mine.values()) for lv in levels])
        theta = np.vstack([_seed_row(base, flagged, levels, mine.get(c)) for c in names])
        out.append(theta)
    return out


def _seed_row(
    base: np.ndarray, flagged: np.ndarray, levels: tuple[str, ...], own: Pointer | None
) -> np.ndarray:
    mask = np.array([own is not None and lv in own.levels for lv in levels])
    row = np.where(flagged & ~mask, BACKGROUND * base, 0.0)
    free = ~flagged & ~mask
    share = own.share if own is not None else 0.0
    left = max(0.0, 1.0 - share - row.sum())
    if base[free].sum() >= 0.01:
        row[free] = left * base[free] / base[free].sum()
    else:
        share += left
    if mask.any():
        row[mask] = share * base[mask] / base[mask].sum()
    row = np.maximum(row, SEED_FLOOR)  # nothing is impossible
    return row / row.sum()
