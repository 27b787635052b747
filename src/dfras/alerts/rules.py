"""Alert rules: what to watch, validated when written, stored in ``alert_rules``.

Four kinds, each with its own settings (``params``):

- ``threshold``: an outcome's rate or count over a recent period, for a scope, optionally per
  entity (``group_by``); fires above ``above`` once ``min_volume`` orders are in the rate.
- ``pattern``: a detected pattern of a type (Anomaly, Trend, Seasonal, Recurring) from
  ``pattern_detections``, optionally for one entity or outcome, above a confidence.
- ``quality_drop``: the data-quality score below ``floor``, or down more than ``drop`` points
  from the last healthy evaluation.
- ``at_risk``: at least ``count`` open orders in scope with a predicted risk ≥ ``probability``.

Example:
    >>> build_rule(name="wh", kind="threshold", params={"outcome": "failure", "above": 0.2}).params["period"]
    'past 14 days'
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dfras.alerts.schema import ensure_tables
from dfras.analysis.scope import FILTERS
from dfras.domain.errors import NotFound, UserError
from dfras.store.base import Store

SEVERITIES = ("low", "medium", "high", "critical")
KINDS = ("threshold", "pattern", "quality_drop", "at_risk")
PATTERN_TYPES = ("Anomaly", "Trend", "Seasonal", "Recurring")
THRESHOLD_OUTCOMES = ("failure", "late", "return")
#: What the post-import evaluation reports when no rule is enabled (not a problem to show).
NO_RULES = "no alert rules"


@dataclass
class Rule:
    """One stored rule."""

    name: str
    kind: str
    severity: str = "medium"
    params: dict[str, Any] = field(default_factory=dict)
    channels: list[str] = field(default_factory=list)
    description: str = ""
    enabled: bool = True
    rule_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "name": self.name,
            "kind": self.kind,
            "severity": self.severity,
            "enabled": self.enabled,
            "params": self.params,
            "channels": self.channels,
            "description": self.description,
        }


def build_rule(
    *,
    name: str,
    kind: str,
    severity: str = "medium",
    params: dict[str, Any] | None = None,
    channels: list[str] | None = None,
    description: str = "",
    enabled: bool = True,
) -> Rule:
    """A validated rule; a UserError naming the setting and the rule broken otherwise."""
    where = f"rule {name!r}"
    if not name or not name.strip():
        raise UserError("a rule needs a name")
    if kind not in KINDS:
        raise UserError(f"{where}: unknown kind {kind!r}", hint=f"use one of {', '.join(KINDS)}")
    if severity not in SEVERITIES:
        raise UserError(
            f"{where}: unknown severity {severity!r}", hint=f"use one of {', '.join(SEVERITIES)}"
        )
    clean = _VALIDATORS[kind](where, dict(params or {}))
    chans = [str(c) for c in (channels or [])]
    return Rule(name.strip(), kind, severity, clean, chans, description, enabled)


def _number(where: str, params: dict[str, Any], key: str, *, lo: float, hi: float) -> float:
    value = params.get(key)
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise UserError(f"{where}: {key} must be a number, got {value!r}") from exc
    if not lo <= x <= hi:
        raise UserError(f"{where}: {key} must be between {lo:g} and {hi:g}, got {x:g}")
    return x


def _scope(where: str, params: dict[str, Any]) -> dict[str, list[Any]]:
    scope = params.get("scope") or {}
    if not isinstance(scope, dict):
        raise UserError(f"{where}: scope must be a mapping of filter → value(s)")
    out: dict[str, list[Any]] = {}
    for key, value in scope.items():
        if key not in FILTERS:
            raise UserError(
                f"{where}: unknown scope filter {key!r}", hint=f"use {', '.join(FILTERS)}"
            )
        out[key] = list(value) if isinstance(value, list | tuple) else [value]
    return out


def _unknown(where: str, params: dict[str, Any], allowed: set[str]) -> None:
    extra = sorted(set(params) - allowed)
    if extra:
        raise UserError(
            f"{where}: unknown setting(s) {', '.join(extra)}",
            hint=f"this kind takes {', '.join(sorted(allowed))}",
        )


def _threshold(where: str, p: dict[str, Any]) -> dict[str, Any]:
    _unknown(
        where,
        p,
        {"outcome", "metric", "above", "period", "min_volume", "group_by", "scope", "basis"},
    )
    outcome = p.get("outcome", "failure")
    if outcome not in THRESHOLD_OUTCOMES:
        raise UserError(f"{where}: outcome must be one of {', '.join(THRESHOLD_OUTCOMES)}")
    metric = p.get("metric", "rate")
    if metric not in ("rate", "count"):
        raise UserError(f"{where}: metric must be rate or count, got {metric!r}")
    if "above" not in p:
        raise UserError(f"{where}: a threshold rule needs `above`")
    above = _number(where, p, "above", lo=0, hi=1 if metric == "rate" else 1e12)
    basis = p.get("basis", "lower" if metric == "rate" else "point")
    if basis not in ("lower", "point"):
        raise UserError(f"{where}: basis must be lower (Wilson lower bound) or point")
    group_by = p.get("group_by")
    if group_by is not None and group_by not in FILTERS:
        raise UserError(f"{where}: cannot group by {group_by!r}", hint=f"use {', '.join(FILTERS)}")
    min_volume = int(_number(where, {"v": p.get("min_volume", 30)}, "v", lo=1, hi=1e12))
    return {
        "outcome": outcome,
        "metric": metric,
        "above": above,
        "basis": basis,
        "period": str(p.get("period", "past 14 days")),
        "min_volume": min_volume,
        "group_by": group_by,
        "scope": _scope(where, p),
    }


def _pattern(where: str, p: dict[str, Any]) -> dict[str, Any]:
    _unknown(
        where,
        p,
        {
            "pattern_type",
            "min_confidence",
            "entity_column",
            "entity_value",
            "outcome",
            "recent_days",
            "include_improvements",
        },
    )
    ptype = p.get("pattern_type")
    if ptype not in PATTERN_TYPES:
        raise UserError(
            f"{where}: pattern_type must be one of {', '.join(PATTERN_TYPES)}, got {ptype!r}"
        )
    recent = p.get("recent_days")
    return {
        "pattern_type": ptype,
        "min_confidence": _number(where, {"c": p.get("min_confidence", 0.0)}, "c", lo=0, hi=1),
        "entity_column": p.get("entity_column"),
        "entity_value": None if p.get("entity_value") is None else str(p["entity_value"]),
        "outcome": p.get("outcome"),
        "include_improvements": bool(p.get("include_improvements", False)),
        "recent_days": None
        if recent is None
        else int(_number(where, p, "recent_days", lo=1, hi=1e5)),
    }


def _quality(where: str, p: dict[str, Any]) -> dict[str, Any]:
    _unknown(where, p, {"floor", "drop"})
    if p.get("floor") is None and p.get("drop") is None:
        raise UserError(f"{where}: a quality_drop rule needs `floor`, `drop` or both")
    return {
        "floor": None if p.get("floor") is None else _number(where, p, "floor", lo=0, hi=100),
        "drop": None if p.get("drop") is None else _number(where, p, "drop", lo=0, hi=100),
    }


def _at_risk(where: str, p: dict[str, Any]) -> dict[str, Any]:
    _unknown(where, p, {"probability", "count", "scope"})
    return {
        "probability": _number(where, {"p": p.get("probability", 0.5)}, "p", lo=0, hi=1),
        "count": int(_number(where, {"n": p.get("count", 1)}, "n", lo=1, hi=1e12)),
        "scope": _scope(where, p),
    }


_VALIDATORS = {
    "threshold": _threshold,
    "pattern": _pattern,
    "quality_drop": _quality,
    "at_risk": _at_risk,
}


# -- storage ----------------------------------------------------------------------------------


def save_rule(store: Store, rule: Rule, *, now: datetime | None = None) -> Rule:
    """Insert the rule, or replace the one of the same name (keeping its id and history)."""
    ensure_tables(store)
    at = now or datetime.now()
    existing = store.fetchall(
        "SELECT rule_id, created_at FROM alert_rules WHERE name = ?", [rule.name]
    )
    rule.rule_id = existing[0][0] if existing else uuid.uuid4().hex[:12]
    created = existing[0][1] if existing else at
    with store.transaction():
        store.execute("DELETE FROM alert_rules WHERE rule_id = ?", [rule.rule_id])
        store.execute(
            "INSERT INTO alert_rules VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                rule.rule_id,
                rule.name,
                rule.kind,
                rule.severity,
                rule.enabled,
                json.dumps(rule.params, sort_keys=True),
                json.dumps(rule.channels),
                rule.description,
                created,
                at,
            ],
        )
    return rule


def list_rules(store: Store, *, enabled_only: bool = False) -> list[Rule]:
    ensure_tables(store)
    where = "WHERE enabled" if enabled_only else ""
    rows = store.fetchall(
        "SELECT rule_id, name, kind, severity, enabled, params, channels, description "
        f"FROM alert_rules {where} ORDER BY name"
    )
    return [
        Rule(
            rule_id=r[0],
            name=r[1],
            kind=r[2],
            severity=r[3],
            enabled=bool(r[4]),
            params=json.loads(r[5]),
            channels=json.loads(r[6]),
            description=r[7] or "",
        )
        for r in rows
    ]


def find_rule(store: Store, name_or_id: str) -> Rule:
    for rule in list_rules(store):
        if name_or_id in (rule.name, rule.rule_id):
            return rule
    raise NotFound(f"no alert rule named {name_or_id!r}", hint="see `dfras alerts rules list`")


def remove_rule(store: Store, name_or_id: str, *, by: str = "system") -> Rule:
    """Delete a rule; its open alerts are resolved (nothing would ever resolve them), and
    its alerts and their history stay (they are the record)."""
    from dfras.alerts.lifecycle import active_alerts, resolve

    rule = find_rule(store, name_or_id)
    with store.transaction():
        for alert in active_alerts(store, rule.rule_id).values():
            resolve(store, alert.alert_id, by=by, note="rule removed")
        store.execute("DELETE FROM alert_rules WHERE rule_id = ?", [rule.rule_id])
        store.execute("DELETE FROM alert_rule_state WHERE rule_id = ?", [rule.rule_id])
    return rule


def set_enabled(store: Store, name_or_id: str, enabled: bool) -> Rule:
    rule = find_rule(store, name_or_id)
    store.execute("UPDATE alert_rules SET enabled = ? WHERE rule_id = ?", [enabled, rule.rule_id])
    rule.enabled = enabled
    return rule
