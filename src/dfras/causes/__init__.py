"""Per-order root cause: why one failed, returned or late order went wrong, with evidence.

What: the result types the faces receive (:class:`OrderCause`, :class:`OrderDetail`,
:class:`TimelineStep`); the work lives in :mod:`dfras.causes.service` (refresh, list, one
order), :mod:`dfras.causes.model` (the latent-class EM), :mod:`dfras.causes.evidence` (causes,
evidence features, expert seed) and :mod:`dfras.causes.messages` (plain words).

Why here: every face (CLI, API, dashboard) shows the same objects, so their shape and their
JSON form (``to_dict``) are defined once, next to nothing heavy: importing this package
loads no numpy and no engine.

Example:
    >>> c = OrderCause.from_row({"order_id": 7, "outcome": "failure",
    ...     "primary_cause": "Stockout", "contributing_causes": "[]",
    ...     "cause_category": "Inventory", "impact_severity": "High",
    ...     "confidence_score": 0.93, "evidence_trail": "{}", "recorded_reason": "Stockout",
    ...     "recorded_reason_status": "confirmed", "delay_split": None,
    ...     "cause_posteriors": '{"Stockout": 0.93}', "preventive_measures": "[]",
    ...     "resolution_status": "Pending"})
    >>> c.to_dict()["confidence"]
    0.93
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["OrderCause", "OrderDetail", "TimelineStep"]


def _json(text: Any, default: Any) -> Any:
    if text is None or text == "":
        return default
    return json.loads(text) if isinstance(text, str) else text


@dataclass(frozen=True)
class OrderCause:
    """The root cause of one outcome order, as stored in ``root_cause_analysis``.

    ``confidence`` is the posterior probability of ``primary_cause`` (calibrated on generated
    data: of causes given 0.8, about 80% are right). ``recorded_reason_status`` is
    ``confirmed``, ``contradicted`` or ``unsupported`` (None when no reason was recorded).
    ``evidence`` links the records behind the cause (log ids, notes, timings against their
    norms, conditions, feedback, address history) and the findings that weighed most.
    """

    order_id: int
    outcome: str  # failure | return | late
    primary_cause: str
    contributing_causes: list[str]
    category: str
    severity: str
    confidence: float
    recorded_reason: str | None
    recorded_reason_status: str | None
    evidence: dict[str, Any]
    delay_split: dict[str, Any] | None = None
    posteriors: dict[str, float] = field(default_factory=dict)
    preventive_measures: list[str] = field(default_factory=list)
    resolution_status: str = "Pending"
    resolution_notes: str | None = None
    analysis_id: int | None = None
    analysis_algorithm: str | None = None
    analysis_timestamp: datetime | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> OrderCause:
        """From a ``root_cause_analysis`` row (JSON columns as text)."""
        return cls(
            order_id=int(row["order_id"]),
            outcome=row["outcome"],
            primary_cause=row["primary_cause"],
            contributing_causes=list(_json(row.get("contributing_causes"), [])),
            category=row["cause_category"],
            severity=row["impact_severity"],
            confidence=float(row["confidence_score"]),
            recorded_reason=row.get("recorded_reason"),
            recorded_reason_status=row.get("recorded_reason_status"),
            evidence=dict(_json(row.get("evidence_trail"), {})),
            delay_split=_json(row.get("delay_split"), None),
            posteriors=dict(_json(row.get("cause_posteriors"), {})),
            preventive_measures=list(_json(row.get("preventive_measures"), [])),
            resolution_status=row.get("resolution_status") or "Pending",
            resolution_notes=row.get("resolution_notes"),
            analysis_id=row.get("analysis_id"),
            analysis_algorithm=row.get("analysis_algorithm"),
            analysis_timestamp=row.get("analysis_timestamp"),
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (see docs/causes.md for the schema)."""
        return {
            "order_id": self.order_id,
            "outcome": self.outcome,
            "primary_cause": self.primary_cause,
            "contributing_causes": list(self.contributing_causes),
            "category": self.category,
            "severity": self.severity,
            "confidence": round(self.confidence, 4),
            "recorded_reason": self.recorded_reason,
            "recorded_reason_status": self.recorded_reason_status,
            "evidence": self.evidence,
            "delay_split": self.delay_split,
            "posteriors": self.posteriors,
            "preventive_measures": list(self.preventive_measures),
            "resolution_status": self.resolution_status,
            "resolution_notes": self.resolution_notes,
            "analysis_id": self.analysis_id,
            "analysis_algorithm": self.analysis_algorithm,
            "analysis_timestamp": (
                self.analysis_timestamp.isoformat() if self.analysis_timestamp else None
            ),
        }

    def flat(self) -> dict[str, Any]:
        """One table or CSV row: the cause without its nested evidence."""
        return {
            "order_id": self.order_id,
            "outcome": self.outcome,
            "primary_cause": self.primary_cause,
            "confidence": round(self.confidence, 4),
            "contributing_causes": "; ".join(self.contributing_causes),
            "category": self.category,
            "severity": self.severity,
            "recorded_reason": self.recorded_reason,
            "recorded_reason_status": self.recorded_reason_status,
            "resolution_status": self.resolution_status,
        }


@dataclass(frozen=True)
class TimelineStep:
    """One event of an order's life, with the record it comes from (e.g. fleet_logs#12)."""

    at: datetime | None
    event: str
    detail: str
    record: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat() if self.at else None,
            "event": self.event,
            "detail": self.detail,
            "record": self.record,
        }


@dataclass(frozen=True)
class OrderDetail:
    """One order: its timeline, its cause (None when it was on time or is open), and what
    customer service can tell the customer."""

    order_id: int
    status: str
    timeline: list[TimelineStep]
    cause: OrderCause | None
    customer_message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "status": self.status,
            "timeline": [s.to_dict() for s in self.timeline],
            "cause": self.cause.to_dict() if self.cause else None,
            "customer_message": self.customer_message,
        }
