"""The result types of an explanation: findings with their statistics, and the answer.

A finding never travels without its support, effect size and interval, and a p-value corrected
for every hypothesis actually tested. Conditions map the source column to the value as it
appears in the data (``{"warehouse_id": 37}``), plus a window when the finding is a time window.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class Finding:
    """One segment (or time window, or per-cause segment) whose outcome is above the rest."""

    conditions: dict[str, Any]
    kind: str  # segment | window | cause
    support: int
    outcomes: int
    rate: float
    baseline: float
    risk_ratio: float
    ci: tuple[float, float]
    excess: float
    p_value: float
    q_value: float = 1.0
    window: dict[str, str] | None = None
    cause: str | None = None
    #: ``cause`` (context only: who, where, when, conditions) or ``symptom`` (how it showed)
    role: str = "cause"
    #: recorded reasons significantly over-represented in this segment
    main_causes: list[dict[str, Any]] = field(default_factory=list)
    #: delay outcomes: difference in mean and median delay hours against the rest
    mean_difference: float | None = None
    median: float | None = None
    median_rest: float | None = None

    @property
    def size(self) -> int:
        return len(self.conditions)

    def key(self) -> tuple[Any, ...]:
        return (
            self.kind,
            self.cause,
            tuple(sorted((k, str(v)) for k, v in self.conditions.items())),
        )

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["ci"] = [self.ci[0], self.ci[1]]
        return {k: v for k, v in d.items() if v is not None or k in ("window",)}


@dataclass
class Tested:
    """What the search tried, so a "no significant cause" answer says what it looked at."""

    attributes: list[str] = field(default_factory=list)
    hypotheses: int = 0
    singles: int = 0
    pairs: int = 0
    triples: int = 0
    windows: int = 0
    per_cause: int = 0
    min_support: int = 0
    fdr: float = 0.05


@dataclass
class Explanation:
    """The answer to "why" for one scope and outcome."""

    scope: dict[str, Any]
    outcome: str
    as_of: datetime | None
    support: int
    outcomes: int
    rate: float | None
    segments: list[Finding]
    tested: Tested
    reasons: list[dict[str, Any]]
    significant: bool
    narrative: str = ""
    recommendations: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "outcome": self.outcome,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "support": self.support,
            "outcomes": self.outcomes,
            "rate": self.rate,
            "significant": self.significant,
            "segments": [s.to_dict() for s in self.segments],
            "tested": asdict(self.tested),
            "reasons": self.reasons,
            "narrative": self.narrative,
            "recommendations": self.recommendations,
            "seconds": round(self.seconds, 3),
        }
