"""The alert entry points the faces call: evaluate the rules, deliver, one monitor tick.

``evaluate`` runs every enabled rule, turns what each sees into alert transitions (open,
update, auto-resolve) and queues their notifications, rule by rule in one transaction each.
``after_import`` is what ingestion calls: evaluation then one delivery pass on a short time
budget, with every failure caught and reported — an alert problem never fails an import.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dfras.alerts import lifecycle, outbox
from dfras.alerts.conditions import RuleEvaluation, evaluate_rule
from dfras.alerts.outbox import DeliveryReport, RetryPolicy, deliver_due
from dfras.alerts.rules import NO_RULES, Rule, list_rules
from dfras.alerts.schema import ensure_tables
from dfras.store.base import Store

log = logging.getLogger(__name__)


@dataclass
class RuleResult:
    """What evaluating one rule did."""

    rule: str
    kind: str
    status: str  # evaluated | not available | error
    reason: str = ""
    firing: int = 0
    opened: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)
    observed: dict[str, Any] = field(default_factory=dict)


@dataclass
class EvaluationReport:
    """One evaluation of every enabled rule."""

    at: datetime
    rules: list[RuleResult] = field(default_factory=list)
    delivery: DeliveryReport | None = None

    @property
    def opened(self) -> int:
        return sum(len(r.opened) for r in self.rules)

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "rules": [r.__dict__ for r in self.rules],
            "delivery": self.delivery.to_dict() if self.delivery else None,
        }


def evaluate(
    store: Store, *, now: datetime | None = None, refresh_patterns: bool = False
) -> EvaluationReport:
    """Evaluate every enabled rule now; a rule that errors is reported, the others still run.

    ``refresh_patterns`` re-runs a stale pattern scan first when a pattern rule is enabled
    (the monitor and ``dfras alerts evaluate`` do; after an import the ingest has scanned
    already, or was asked to defer it, so that evaluation reads what is stored)."""
    ensure_tables(store)
    at = now or datetime.now()
    report = EvaluationReport(at=at)
    from dfras.fact import service as fact_service

    if store.table_exists("orders"):
        fact_service.ensure_current(store)
    rules = list_rules(store, enabled_only=True)
    if refresh_patterns and any(r.kind == "pattern" for r in rules):
        _refresh_patterns(store)
    for rule in rules:
        try:
            report.rules.append(_apply(store, rule, at))
        except Exception as exc:  # one broken rule must not silence the others
            log.exception("alert rule %s failed", rule.name)
            report.rules.append(
                RuleResult(rule.name, rule.kind, "error", f"{type(exc).__name__}: {exc}")
            )
    return report


def _refresh_patterns(store: Store) -> None:
    from dfras.patterns import service as patterns_service

    if store.table_exists("orders") and not patterns_service.is_current(store):
        patterns_service.scan(store)


def _apply(store: Store, rule: Rule, at: datetime) -> RuleResult:
    state = _read_state(store, rule.rule_id)
    before = dict(state)
    evaluation: RuleEvaluation = evaluate_rule(store, rule, state=state)
    result = RuleResult(
        rule.name, rule.kind, "evaluated", evaluation.reason, observed=evaluation.observed
    )
    if not evaluation.available:
        result.status = "not available"
        return result
    result.firing = len(evaluation.conditions)
    with store.transaction():
        active = lifecycle.active_alerts(store, rule.rule_id)
        seen: set[str] = set()
        for condition in evaluation.conditions:
            key = lifecycle.dedup_key(rule, condition)
            if key in seen:
                continue
            seen.add(key)
            event, alert_id = lifecycle.observe(store, rule, condition, now=at, active=active)
            if event == "updated":
                result.updated.append(alert_id)
            else:
                result.opened.append(alert_id)
                outbox.notify(store, rule, alert_id, event=event, now=at)
        for key, alert in active.items():
            if key in seen:
                continue
            lifecycle.resolve(
                store,
                alert.alert_id,
                by="auto",
                note="the condition cleared",
                now=at,
                event="auto_resolved",
            )
            result.resolved.append(alert.alert_id)
            outbox.notify(store, rule, alert.alert_id, event="resolved", now=at)
        if state != before:
            _write_state(store, rule.rule_id, state, at)
    return result


def _read_state(store: Store, rule_id: str) -> dict[str, str]:
    rows = store.fetchall("SELECT key, value FROM alert_rule_state WHERE rule_id = ?", [rule_id])
    return {k: v for k, v in rows}


def _write_state(store: Store, rule_id: str, state: dict[str, str], at: datetime) -> None:
    store.execute("DELETE FROM alert_rule_state WHERE rule_id = ?", [rule_id])
    for key, value in state.items():
        store.execute("INSERT INTO alert_rule_state VALUES (?, ?, ?, ?)", [rule_id, key, value, at])


def tick(
    store: Store, *, now: datetime | None = None, policy: RetryPolicy | None = None
) -> EvaluationReport:
    """One monitor tick: evaluate every rule (re-scanning stale patterns first), then send
    what is due in the outbox."""
    report = evaluate(store, now=now, refresh_patterns=True)
    report.delivery = deliver_due(store, now=now, policy=policy)
    return report


def after_import(store: Store, *, budget_seconds: float = 20.0) -> EvaluationReport | str:
    """Evaluation and a bounded delivery pass after an import; returns the report, or the
    reason it did not run. Never raises."""
    try:
        ensure_tables(store)
        if not list_rules(store, enabled_only=True):
            return NO_RULES
        report = evaluate(store)
        policy = RetryPolicy(timeout_seconds=min(5.0, budget_seconds))
        report.delivery = deliver_due(store, policy=policy, budget_seconds=budget_seconds)
        return report
    except Exception as exc:
        log.exception("alert evaluation after import failed")
        return f"alert evaluation failed: {type(exc).__name__}: {exc}"
