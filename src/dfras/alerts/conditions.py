"""Evaluating one rule: which problems it sees now, each keyed by the entity it is about.

A rule's evaluation is ``available`` (it looked, and lists the problems it found — possibly
none) or ``not available`` with the reason (the table it reads does not exist yet, no data).
Only an available evaluation can resolve alerts: a rule that could not look says nothing
about whether a problem cleared.

Threshold rules report the observed rate with its 95% Wilson interval; by default they fire
only when the interval's lower bound is above the threshold (``basis: lower``), so a small
group whose rate is high by chance does not page anyone.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from dfras.alerts import query
from dfras.alerts.rules import Rule
from dfras.analysis.outcomes import OUTCOMES
from dfras.analysis.scope import Scope, make_scope
from dfras.domain.errors import UserError
from dfras.query.fact import FACT_TABLE
from dfras.stats.proportions import wilson_interval
from dfras.store.base import Store


@dataclass
class Condition:
    """One problem a rule sees: what it is about (``entity_key``), in words and in figures."""

    entity_key: str
    title: str
    figures: dict[str, Any]
    scope: dict[str, Any] = field(default_factory=dict)
    entity: dict[str, Any] = field(default_factory=dict)


@dataclass
class RuleEvaluation:
    """The result of evaluating one rule now."""

    rule: Rule
    available: bool
    reason: str = ""
    conditions: list[Condition] = field(default_factory=list)
    #: what the rule measured even when nothing fired (e.g. the quality score)
    observed: dict[str, Any] = field(default_factory=dict)


def evaluate_rule(store: Store, rule: Rule, *, state: dict[str, str]) -> RuleEvaluation:
    """Evaluate ``rule``; ``state`` is the rule's memory between evaluations (updated here)."""
    kind = rule.kind
    if kind == "threshold":
        return _threshold(store, rule)
    if kind == "pattern":
        return _pattern(store, rule)
    if kind == "quality_drop":
        return _quality(store, rule, state)
    if kind == "at_risk":
        return _at_risk(store, rule)
    return RuleEvaluation(rule, False, f"unknown rule kind {kind!r}")


def _as_of(store: Store) -> date | None:
    if not store.table_exists(FACT_TABLE):
        return None
    value = store.fetchall(query.AS_OF)[0][0]
    return value if isinstance(value, date) else None


def _scope(params: dict[str, Any], *, period: str | None, as_of: date | None) -> Scope:
    return make_scope(period=period, as_of=as_of, **params.get("scope", {}))


def _threshold(store: Store, rule: Rule) -> RuleEvaluation:
    p = rule.params
    as_of = _as_of(store)
    if as_of is None:
        return RuleEvaluation(rule, False, "no orders in the store yet")
    try:
        scope = _scope(p, period=p["period"], as_of=as_of)
    except UserError as exc:
        return RuleEvaluation(rule, False, f"cannot read the rule's period: {exc.message}")
    outcome = OUTCOMES[p["outcome"]]
    rows = query.outcome_counts(
        store,
        outcome=p["outcome"],
        scope=scope,
        group_by=p.get("group_by"),
        min_volume=p["min_volume"],
        metric=p["metric"],
        above=p["above"],
    )
    n_all, k_all = query.scope_volume(store, outcome=p["outcome"], scope=scope)
    observed = {
        "as_of": as_of.isoformat(),
        "scope": scope.describe(),
        "orders": n_all,
        outcome.noun: k_all,
    }
    if not rows:
        return RuleEvaluation(rule, True, observed=observed)
    lo, hi = wilson_interval([r[2] for r in rows], [r[1] for r in rows])
    conditions: list[Condition] = []
    for (entity, n, k), low, high in zip(rows, lo, hi, strict=True):
        rate = k / n
        if p["metric"] == "rate":
            figure = float(low) if p["basis"] == "lower" else rate
            if figure <= p["above"]:
                continue
        elif k <= p["above"]:
            continue
        group = p.get("group_by")
        entity_value = entity if isinstance(entity, int | str) else str(entity)
        label = f"{group} {entity_value}" if group else scope.describe()
        stat = (
            f"{outcome.label} {rate:.1%} (95% CI {float(low):.1%}–{float(high):.1%}, {k} of {n})"
            if p["metric"] == "rate"
            else f"{k} {outcome.noun} of {n}"
        )
        limit = f"{p['above']:.1%}" if p["metric"] == "rate" else f"{p['above']:g}"
        conditions.append(
            Condition(
                entity_key=f"{group}={entity_value}" if group else "scope",
                title=f"{label}: {stat} above {limit} ({scope.period.label if scope.period else 'all time'})",
                figures={
                    "outcome": p["outcome"],
                    "metric": p["metric"],
                    "orders": n,
                    "events": k,
                    "rate": rate,
                    "ci_low": float(low),
                    "ci_high": float(high),
                    "ci_level": 0.95,
                    "threshold": p["above"],
                    "basis": p["basis"],
                    "as_of": as_of.isoformat(),
                },
                scope=scope.to_dict(),
                entity={group: entity_value} if group else {},
            )
        )
    return RuleEvaluation(rule, True, conditions=conditions, observed=observed)


def _pattern(store: Store, rule: Rule) -> RuleEvaluation:
    if not store.table_exists("pattern_detections"):
        return RuleEvaluation(
            rule, False, "not available: no pattern detections in this store (run a pattern scan)"
        )
    rows = query.pattern_rows(store, rule.params, _as_of(store))
    conditions = []
    for r in rows:
        entity = {r["entity_column"]: r["entity_value"]} if r.get("entity_column") else {}
        metrics = r.get("pattern_metrics")
        with contextlib.suppress(ValueError):
            metrics = json.loads(metrics) if isinstance(metrics, str) else metrics
        direction = metrics.get("direction") if isinstance(metrics, dict) else None
        if direction == "improvement" and not rule.params.get("include_improvements"):
            continue
        key = _pattern_key(r)
        conditions.append(
            Condition(
                entity_key=key,
                title=f"{r['pattern_type']}: {r.get('pattern_description') or r.get('pattern_name')}",
                figures={
                    "pattern_id": r["pattern_id"],
                    "pattern_name": r.get("pattern_name"),
                    "confidence": r.get("pattern_confidence"),
                    "outcome": r.get("outcome"),
                    "window_start": _iso(r.get("window_start")),
                    "window_end": _iso(r.get("window_end")),
                    "metrics": metrics,
                },
                entity=entity,
            )
        )
    return RuleEvaluation(
        rule,
        True,
        conditions=conditions,
        observed={"detections": len(rows), "scan_current": _scan_current(store)},
    )


def _scan_current(store: Store) -> bool:
    """Whether the stored detections come from a scan of the latest data."""
    from dfras.patterns import service as patterns_service

    return patterns_service.is_current(store)


def _pattern_key(row: dict[str, Any]) -> str:
    """The problem a detection is about. A burst (Anomaly) is its own event: its stable
    ``pattern_id`` (which includes its window). A trend, seasonal profile or recurrence of an
    entity is one ongoing problem even as re-scans move its window: keyed by type, name,
    entity and outcome."""
    if row["pattern_type"] == "Anomaly":
        return f"id={row['pattern_id']}"
    return "|".join(
        str(row.get(k) or "")
        for k in ("pattern_type", "pattern_name", "entity_column", "entity_value", "outcome")
    )


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _quality(store: Store, rule: Rule, state: dict[str, str]) -> RuleEvaluation:
    from dfras.quality.report import score_domains

    domains, overall = score_domains(store)
    if not any(d.rows_read for d in domains):
        return RuleEvaluation(rule, False, "no data imported yet, so no quality score")
    score = float(overall)
    floor, drop = rule.params.get("floor"), rule.params.get("drop")
    baseline = float(state["baseline"]) if "baseline" in state else None
    reasons = []
    if floor is not None and score < floor:
        reasons.append(f"below the floor of {floor:g}")
    dropped = baseline is not None and drop is not None and score < baseline - drop
    if dropped:
        reasons.append(f"down {baseline - score:.1f} points from {baseline:g}")  # type: ignore[operator]
    if not dropped:
        # the last healthy score is the baseline a drop is measured from
        state["baseline"] = str(score)
    observed = {"score": score, "baseline": baseline, "floor": floor, "drop": drop}
    if not reasons:
        return RuleEvaluation(rule, True, observed=observed)
    worst = sorted((d for d in domains if d.rows_read), key=lambda d: d.score)[:3]
    return RuleEvaluation(
        rule,
        True,
        conditions=[
            Condition(
                entity_key="store",
                title=f"data-quality score {score:g}: {'; '.join(reasons)}",
                figures={
                    **observed,
                    "lowest_domains": {d.domain: d.score for d in worst},
                },
            )
        ],
        observed=observed,
    )


def _at_risk(store: Store, rule: Rule) -> RuleEvaluation:
    if not store.table_exists("order_predictions"):
        return RuleEvaluation(
            rule, False, "not available: no order predictions in this store (train and predict)"
        )
    if not store.table_exists(FACT_TABLE):
        return RuleEvaluation(rule, False, "no orders in the store yet")
    p = rule.params
    scope = _scope(p, period=None, as_of=None)
    count, top = query.orders_at_risk(store, scope=scope, probability=p["probability"])
    latest = query.prediction_freshness(store)
    observed = {
        "open_orders_at_risk": count,
        "probability": p["probability"],
        "predicted_at": _iso(latest[0]),
        "predictions_current": latest[1],
    }
    if count < p["count"]:
        return RuleEvaluation(rule, True, observed=observed)
    return RuleEvaluation(
        rule,
        True,
        conditions=[
            Condition(
                entity_key="scope",
                title=f"{count} open orders predicted at risk ≥ {p['probability']:.0%} "
                f"({scope.describe()})",
                figures={**observed, "minimum_count": p["count"], "riskiest": top},
                scope=scope.to_dict(),
            )
        ],
        observed=observed,
    )
