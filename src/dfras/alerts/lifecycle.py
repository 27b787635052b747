"""Alert states and their transitions: open → acknowledged → resolved, every step in history.

One alert row is one *occurrence* of a problem. ``dedup_key`` (rule and entity) names the
problem: while an occurrence is open or acknowledged, seeing the problem again updates it
(``last_seen``, ``occurrences``, latest figures) instead of adding a row. Once resolved — by a
user, or automatically when the rule looks and no longer sees it — the next sighting opens a
new occurrence, recorded in history as ``reopened``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dfras.alerts.conditions import Condition
from dfras.alerts.rules import SEVERITIES, Rule
from dfras.alerts.schema import ensure_tables
from dfras.domain.errors import NotFound, UserError
from dfras.store.base import Store

STATES = ("open", "acknowledged", "resolved")
ACTIVE = ("open", "acknowledged")

_COLUMNS = (
    "alert_id, dedup_key, rule_id, rule_name, kind, severity, state, title, entity, scope, "
    "figures, first_seen, last_seen, occurrences, acknowledged_by, acknowledged_at, "
    "resolved_by, resolved_at, resolution_note"
)


@dataclass
class Alert:
    """One occurrence of a problem, as stored."""

    alert_id: int
    dedup_key: str
    rule_id: str
    rule_name: str
    kind: str
    severity: str
    state: str
    title: str
    entity: dict[str, Any]
    scope: dict[str, Any]
    figures: dict[str, Any]
    first_seen: datetime
    last_seen: datetime
    occurrences: int
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    resolution_note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def dedup_key(rule: Rule, condition: Condition) -> str:
    return f"{rule.rule_id}|{condition.entity_key}"


def _alert(row: dict[str, Any]) -> Alert:
    for key in ("entity", "scope", "figures"):
        row[key] = json.loads(row[key]) if row[key] else {}
    return Alert(**row)


def record_history(
    store: Store,
    alert_id: int,
    event: str,
    *,
    at: datetime,
    from_state: str | None,
    to_state: str | None,
    actor: str,
    detail: dict[str, Any] | None = None,
) -> None:
    store.execute(
        "INSERT INTO alert_history VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            alert_id,
            at,
            event,
            from_state,
            to_state,
            actor,
            json.dumps(detail, default=str) if detail else None,
        ],
    )


def active_alerts(store: Store, rule_id: str) -> dict[str, Alert]:
    """The rule's open and acknowledged alerts by dedup key."""
    rows = store.fetch_dicts(
        f"SELECT {_COLUMNS} FROM alerts WHERE rule_id = ? AND state IN ('open', 'acknowledged')",
        [rule_id],
    )
    return {r["dedup_key"]: _alert(r) for r in rows}


def observe(
    store: Store, rule: Rule, condition: Condition, *, now: datetime, active: dict[str, Alert]
) -> tuple[str, int]:
    """Record a sighting: update the ongoing alert, or open a new occurrence.

    Returns (event, alert_id) with event ``opened``, ``reopened`` or ``updated``.
    """
    key = dedup_key(rule, condition)
    current = active.get(key)
    figures = json.dumps(condition.figures, default=str, sort_keys=True)
    if current is not None:
        store.execute(
            """UPDATE alerts SET last_seen = ?, occurrences = occurrences + 1, figures = ?,
                 title = ?, severity = ? WHERE alert_id = ?""",
            [now, figures, condition.title, rule.severity, current.alert_id],
        )
        return "updated", current.alert_id
    before = store.fetchall("SELECT count(*) FROM alerts WHERE dedup_key = ?", [key])[0][0]
    alert_id = int(store.fetchall("SELECT coalesce(max(alert_id), 0) + 1 FROM alerts")[0][0])
    store.execute(
        f"INSERT INTO alerts ({_COLUMNS}) VALUES "
        "(?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, 1, NULL, NULL, NULL, NULL, NULL)",
        [
            alert_id,
            key,
            rule.rule_id,
            rule.name,
            rule.kind,
            rule.severity,
            condition.title,
            json.dumps(condition.entity, default=str, sort_keys=True),
            json.dumps(condition.scope, default=str, sort_keys=True),
            figures,
            now,
            now,
        ],
    )
    event = "reopened" if before else "opened"
    record_history(
        store,
        alert_id,
        event,
        at=now,
        from_state=None,
        to_state="open",
        actor="rule",
        detail={"title": condition.title},
    )
    return event, alert_id


def get_alert(store: Store, alert_id: int) -> Alert:
    ensure_tables(store)
    rows = store.fetch_dicts(f"SELECT {_COLUMNS} FROM alerts WHERE alert_id = ?", [alert_id])
    if not rows:
        raise NotFound(f"no alert with id {alert_id}", hint="see `dfras alerts`")
    return _alert(rows[0])


def list_alerts(
    store: Store,
    *,
    states: list[str] | None = None,
    severities: list[str] | None = None,
    rule: str | None = None,
    limit: int | None = None,
) -> list[Alert]:
    """Alerts newest first, filtered by state, severity and rule name or id."""
    ensure_tables(store)
    conds, params = ["TRUE"], []
    for values, column, allowed in (
        (states, "state", STATES),
        (severities, "severity", SEVERITIES),
    ):
        if values:
            bad = [v for v in values if v not in allowed]
            if bad:
                raise UserError(
                    f"unknown {column} {bad[0]!r}", hint=f"use one of {', '.join(allowed)}"
                )
            conds.append(f"{column} IN ({', '.join('?' for _ in values)})")
            params.extend(values)
    if rule:
        conds.append("(rule_name = ? OR rule_id = ?)")
        params.extend([rule, rule])
    lim = f"LIMIT {int(limit)}" if limit else ""
    rows = store.fetch_dicts(
        f"SELECT {_COLUMNS} FROM alerts WHERE {' AND '.join(conds)} "
        f"ORDER BY last_seen DESC, alert_id DESC {lim}",
        params,
    )
    return [_alert(r) for r in rows]


def history(store: Store, alert_id: int) -> list[dict[str, Any]]:
    ensure_tables(store)
    rows = store.fetch_dicts(
        "SELECT occurred_at, event, from_state, to_state, actor, detail FROM alert_history "
        "WHERE alert_id = ? ORDER BY occurred_at, event",
        [alert_id],
    )
    for r in rows:
        r["detail"] = json.loads(r["detail"]) if r["detail"] else None
    return rows


def acknowledge(
    store: Store, alert_id: int, *, by: str, note: str | None = None, now: datetime | None = None
) -> Alert:
    """Mark an open alert as seen and being handled; it stays until resolved."""
    alert = get_alert(store, alert_id)
    if alert.state != "open":
        raise UserError(
            f"alert {alert_id} is {alert.state}; only an open alert can be acknowledged"
        )
    at = now or datetime.now()
    with store.transaction():
        store.execute(
            """UPDATE alerts SET state = 'acknowledged', acknowledged_by = ?, acknowledged_at = ?
               WHERE alert_id = ?""",
            [by, at, alert_id],
        )
        record_history(
            store,
            alert_id,
            "acknowledged",
            at=at,
            from_state="open",
            to_state="acknowledged",
            actor=by,
            detail={"note": note} if note else None,
        )
    return get_alert(store, alert_id)


def resolve(
    store: Store,
    alert_id: int,
    *,
    by: str,
    note: str | None = None,
    now: datetime | None = None,
    event: str = "resolved",
) -> Alert:
    """Close an alert (by a user, or ``auto`` when the condition cleared)."""
    alert = get_alert(store, alert_id)
    if alert.state == "resolved":
        raise UserError(f"alert {alert_id} is already resolved")
    at = now or datetime.now()
    with store.transaction():
        store.execute(
            """UPDATE alerts SET state = 'resolved', resolved_by = ?, resolved_at = ?,
                 resolution_note = ? WHERE alert_id = ?""",
            [by, at, note, alert_id],
        )
        record_history(
            store,
            alert_id,
            event,
            at=at,
            from_state=alert.state,
            to_state="resolved",
            actor=by,
            detail={"note": note} if note else None,
        )
    return get_alert(store, alert_id)


#: States of an alert still to be dealt with.
UNRESOLVED = ("open", "acknowledged")


def latest_unresolved(store: Store, limit: int = 5) -> list[dict[str, Any]]:
    """The newest alerts not yet resolved (the overview's list; empty before any rule ran)."""
    if not store.table_exists("alerts"):
        return []
    return [a.to_dict() for a in list_alerts(store, states=list(UNRESOLVED), limit=limit)]
