"""What a scan finds and how it is kept: detections and correlations, with stable ids.

A detection (a row of ``pattern_detections``) is an anomaly, a recurring cause, a seasonal
profile or a trend at one entity; a correlation (a row of ``event_correlations``) links an
external event to failures in time, space or statistically. Ids are hashes of what identifies
the finding (type, entity, outcome, window start), so a re-scan updates the same row
(``created_at`` stays, ``updated_at`` moves) and drops rows the data no longer supports.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from dfras.store.base import Store
from dfras.store.rows import write_rows

PATTERNS_TABLE = "pattern_detections"
CORRELATIONS_TABLE = "event_correlations"
INT_COLUMNS = {"client_id", "warehouse_id", "driver_id"}


def stable_id(*parts: object) -> str:
    """A short hash of the parts that identify a finding."""
    text = "|".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def entity_dict(column: str, value: str) -> dict[str, Any]:
    """The entity as source column and value (ids as numbers): ``{"warehouse_id": 30}``."""
    if column == "all":
        return {}
    if column in INT_COLUMNS:
        try:
            return {column: int(value)}
        except ValueError:
            return {column: value}
    return {column: value}


def _json(value: Any) -> str:
    return json.dumps(value, default=str, sort_keys=True)


@dataclass
class Detection:
    """One pattern: type ('Recurring', 'Anomaly', 'Seasonal', 'Trend'), entity, outcome,
    window, confidence (1 − q), frequency, duration and its figures."""

    pattern_type: str
    name: str
    description: str
    entity_column: str
    entity_value: str
    outcome: str
    window_start: date | None
    window_end: date | None
    confidence: float
    frequency: int
    duration_days: int | None
    metrics: dict[str, Any]
    algorithm: str
    parameters: dict[str, Any]
    affected: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def pattern_id(self) -> str:
        key = self.window_start.isoformat() if self.window_start else ""
        extra = self.metrics.get("id_key", "")
        return stable_id(
            self.pattern_type, self.entity_column, self.entity_value, self.outcome, key, extra
        )

    def to_row(self) -> tuple[Any, ...]:
        return (
            self.pattern_id,
            self.name,
            self.pattern_type,
            self.description,
            round(float(self.confidence), 6),
            int(self.frequency),
            self.duration_days,
            self.entity_column,
            self.entity_value,
            self.outcome,
            self.window_start,
            self.window_end,
            _json(self.affected),
            _json(self.metrics),
            self.algorithm,
            _json(self.parameters),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "pattern_id": self.pattern_id,
            "type": self.pattern_type,
            "name": self.name,
            "description": self.description,
            "entity": entity_dict(self.entity_column, self.entity_value),
            "outcome": self.outcome,
            "window": {
                "start": self.window_start.isoformat() if self.window_start else None,
                "end": self.window_end.isoformat() if self.window_end else None,
            },
            "confidence": round(float(self.confidence), 6),
            "frequency": self.frequency,
            "duration_days": self.duration_days,
            "affected_entities": self.affected,
            "metrics": self.metrics,
            "algorithm": self.algorithm,
            "parameters": self.parameters,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
        }

    @classmethod
    def from_row(cls, r: dict[str, Any]) -> Detection:
        return cls(
            pattern_type=r["pattern_type"],
            name=r["pattern_name"],
            description=r["pattern_description"],
            entity_column=r["entity_column"],
            entity_value=r["entity_value"],
            outcome=r["outcome"],
            window_start=r["window_start"],
            window_end=r["window_end"],
            confidence=r["pattern_confidence"],
            frequency=r["pattern_frequency"],
            duration_days=r["pattern_duration_days"],
            metrics=json.loads(r["pattern_metrics"] or "{}"),
            algorithm=r["detection_algorithm"],
            parameters=json.loads(r["detection_parameters"] or "{}"),
            affected=json.loads(r["affected_entities"] or "{}"),
            created_at=r["created_at"],
            updated_at=r["updated_at"],
        )


@dataclass
class Correlation:
    """One event correlation ('Temporal', 'Spatial', 'Statistical'), strength in [0, 1]."""

    correlation_type: str
    primary_type: str
    primary_key: str
    secondary_type: str
    secondary_key: str
    strength: float
    confidence: float
    time_window_minutes: int
    distance_km: float | None
    city: str | None
    window_start: date | None
    window_end: date | None
    evidence: dict[str, Any]
    created_at: datetime | None = None

    @property
    def correlation_id(self) -> str:
        return stable_id(
            self.correlation_type,
            self.primary_type,
            self.primary_key,
            self.secondary_type,
            self.secondary_key,
            self.city,
            self.window_start.isoformat() if self.window_start else "",
        )

    def to_row(self) -> tuple[Any, ...]:
        return (
            self.correlation_id,
            self.primary_type,
            self.primary_key,
            self.secondary_type,
            self.secondary_key,
            self.correlation_type,
            round(float(self.strength), 6),
            round(float(self.confidence), 6),
            int(self.time_window_minutes),
            None if self.distance_km is None else round(float(self.distance_km), 2),
            self.city,
            self.window_start,
            self.window_end,
            _json(self.evidence),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "correlation_id": self.correlation_id,
            "type": self.correlation_type,
            "primary_event": {"type": self.primary_type, "key": self.primary_key},
            "secondary_event": {"type": self.secondary_type, "key": self.secondary_key},
            "entity": {"city": self.city} if self.city else {},
            "window": {
                "start": self.window_start.isoformat() if self.window_start else None,
                "end": self.window_end.isoformat() if self.window_end else None,
            },
            "strength": round(float(self.strength), 6),
            "confidence": round(float(self.confidence), 6),
            "time_window_minutes": self.time_window_minutes,
            "distance_km": self.distance_km,
            "evidence": self.evidence,
            "created_at": self.created_at.isoformat() if self.created_at else None,
        }

    @classmethod
    def from_row(cls, r: dict[str, Any]) -> Correlation:
        return cls(
            correlation_type=r["correlation_type"],
            primary_type=r["primary_event_type"],
            primary_key=r["primary_event_key"],
            secondary_type=r["secondary_event_type"],
            secondary_key=r["secondary_event_key"],
            strength=r["correlation_strength"],
            confidence=r["confidence_score"],
            time_window_minutes=r["time_window_minutes"],
            distance_km=r["spatial_distance_km"],
            city=r["city"],
            window_start=r["window_start"],
            window_end=r["window_end"],
            evidence=json.loads(r["evidence_trail"] or "{}"),
            created_at=r["created_at"],
        )


def save_detections(
    store: Store, found: Iterable[Detection], *, replace: set[str] | None = None
) -> None:
    """Upsert detections by id; rows whose id is in ``replace`` (the re-examined ones) and not
    found again are deleted. ``created_at`` of a row found again is kept."""
    rows = {d.pattern_id: d for d in found}
    now = datetime.now().replace(microsecond=0)
    old = dict(store.fetchall(f"SELECT pattern_id, created_at FROM {PATTERNS_TABLE}"))
    gone = (replace or set()) - set(rows)
    values = []
    for pid, d in rows.items():
        d.created_at = old.get(pid) or now
        d.updated_at = now
        values.append([*d.to_row(), d.created_at, d.updated_at])
    drop = sorted(gone | (set(rows) & set(old)))
    write_rows(store, PATTERNS_TABLE, values, delete_keys=("pattern_id", drop))


def save_correlations(
    store: Store, found: Iterable[Correlation], *, replace: set[str] | None = None
) -> None:
    """Upsert correlations by id and delete re-examined ones not found again."""
    rows = {c.correlation_id: c for c in found}
    now = datetime.now().replace(microsecond=0)
    old = dict(store.fetchall(f"SELECT correlation_id, created_at FROM {CORRELATIONS_TABLE}"))
    gone = (replace or set()) - set(rows)
    values = []
    for cid, c in rows.items():
        c.created_at = old.get(cid) or now
        values.append([*c.to_row(), c.created_at])
    drop = sorted(gone | (set(rows) & set(old)))
    write_rows(store, CORRELATIONS_TABLE, values, delete_keys=("correlation_id", drop))
