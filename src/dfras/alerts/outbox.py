"""The delivery outbox: a notification is a row in ``alert_deliveries`` until a channel
accepts it.

Queued in the same transaction as the alert transition that caused it, so no notification is
lost between deciding and sending. Each monitor tick (and each post-import evaluation) sends
the rows that are due; a failure records the error, counts the attempt and schedules the next
one with exponential backoff (``base · 2^(attempts−1)``, capped); after ``max_attempts`` the
row is marked ``failed`` and stays visible (``dfras alerts deliveries``) with its last error,
and ``dfras alerts deliveries --retry`` puts it back in the queue. A row is marked
``delivered`` only after the receiver answered 2xx (or the SMTP server accepted the message),
so the guarantee is at-least-once; receivers deduplicate on ``delivery_id``.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from dfras.alerts.channels import Channel, list_channels
from dfras.alerts.lifecycle import Alert, get_alert, record_history
from dfras.alerts.payloads import alert_document
from dfras.alerts.rules import Rule
from dfras.alerts.schema import ensure_tables
from dfras.alerts.senders import DeliveryFailed, send
from dfras.store.base import Store


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long a failing notification is retried."""

    base_seconds: float = 30.0
    max_seconds: float = 3600.0
    max_attempts: int = 12
    timeout_seconds: float = 10.0

    def delay(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt (1-based)."""
        return timedelta(seconds=min(self.max_seconds, self.base_seconds * 2 ** (attempts - 1)))


@dataclass
class DeliveryReport:
    """What one pass over the outbox did."""

    delivered: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "delivered": len(self.delivered),
            "retrying": len(self.retrying),
            "failed": len(self.failed),
            "seconds": round(self.seconds, 3),
        }


def channels_for(store: Store, rule: Rule, severity: str) -> list[Channel]:
    """The enabled channels a rule's alert goes to: those it names (all, if none named) that
    take its severity."""
    chosen = [
        c
        for c in list_channels(store, enabled_only=True)
        if (not rule.channels or c.name in rule.channels) and c.accepts(severity)
    ]
    return chosen


def enqueue(
    store: Store, alert: Alert, channels: list[Channel], *, event: str, now: datetime
) -> list[str]:
    """Queue one notification per channel; returns the delivery ids."""
    ids = []
    for channel in channels:
        delivery_id = uuid.uuid4().hex
        document = alert_document(alert, event=event, delivery_id=delivery_id)
        store.execute(
            "INSERT INTO alert_deliveries VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, NULL, ?, NULL)",
            [
                delivery_id,
                alert.alert_id,
                channel.channel_id,
                channel.name,
                event,
                json.dumps(document, sort_keys=True),
                now,
                now,
            ],
        )
        ids.append(delivery_id)
    return ids


def notify(store: Store, rule: Rule, alert_id: int, *, event: str, now: datetime) -> list[str]:
    """Queue the notifications of an alert transition to the rule's channels."""
    alert = get_alert(store, alert_id)
    return enqueue(store, alert, channels_for(store, rule, alert.severity), event=event, now=now)


def deliver_due(
    store: Store,
    *,
    now: datetime | None = None,
    policy: RetryPolicy | None = None,
    budget_seconds: float | None = None,
) -> DeliveryReport:
    """Send every pending notification whose time has come; never raises for a receiver's
    failure. ``budget_seconds`` stops early (the rest wait for the next pass)."""
    ensure_tables(store)
    policy = policy or RetryPolicy()
    started = time.perf_counter()
    report = DeliveryReport()
    at = now or datetime.now()
    channels = {c.channel_id: c for c in list_channels(store)}
    due = store.fetch_dicts(
        """SELECT delivery_id, alert_id, channel_id, event, payload, attempts
           FROM alert_deliveries WHERE status = 'pending' AND next_attempt_at <= ?
           ORDER BY next_attempt_at, created_at""",
        [at],
    )
    for row in due:
        if budget_seconds is not None and time.perf_counter() - started > budget_seconds:
            break
        channel = channels.get(row["channel_id"])
        attempts = int(row["attempts"]) + 1
        try:
            if channel is None or not channel.enabled:
                raise DeliveryFailed("channel removed or disabled")
            receipt = send(channel, json.loads(row["payload"]), timeout=policy.timeout_seconds)
        except DeliveryFailed as exc:
            _failed(store, row, attempts, str(exc), at, policy, report)
            continue
        sent_at = now or datetime.now()
        with store.transaction():
            store.execute(
                """UPDATE alert_deliveries SET status = 'delivered', attempts = ?, delivered_at = ?,
                     last_error = NULL WHERE delivery_id = ?""",
                [attempts, sent_at, row["delivery_id"]],
            )
            record_history(
                store,
                row["alert_id"],
                "delivered",
                at=sent_at,
                from_state=None,
                to_state=None,
                actor=f"channel:{channel.name}",
                detail={
                    "delivery_id": row["delivery_id"],
                    "attempts": attempts,
                    "receipt": receipt,
                },
            )
        report.delivered.append(row["delivery_id"])
    report.seconds = time.perf_counter() - started
    return report


def _failed(
    store: Store,
    row: dict[str, Any],
    attempts: int,
    error: str,
    at: datetime,
    policy: RetryPolicy,
    report: DeliveryReport,
) -> None:
    give_up = attempts >= policy.max_attempts
    with store.transaction():
        store.execute(
            """UPDATE alert_deliveries SET attempts = ?, last_error = ?, next_attempt_at = ?,
                 status = ? WHERE delivery_id = ?""",
            [
                attempts,
                error[:1000],
                at + policy.delay(attempts),
                "failed" if give_up else "pending",
                row["delivery_id"],
            ],
        )
        if give_up:
            record_history(
                store,
                row["alert_id"],
                "delivery_failed",
                at=at,
                from_state=None,
                to_state=None,
                actor="outbox",
                detail={"delivery_id": row["delivery_id"], "attempts": attempts, "error": error},
            )
    (report.failed if give_up else report.retrying).append(row["delivery_id"])


def send_test(channel: Channel, *, policy: RetryPolicy | None = None) -> str:
    """Send a test notification over ``channel`` now, outside the outbox (nothing stored);
    returns the receipt, raises DeliveryFailed."""
    at = datetime.now().replace(microsecond=0)
    alert = Alert(
        alert_id=0,
        dedup_key="test",
        rule_id="test",
        rule_name="channel test",
        kind="test",
        severity="low",
        state="open",
        title=f"Test notification from DFRAS to channel {channel.name!r}",
        entity={},
        scope={},
        figures={},
        first_seen=at,
        last_seen=at,
        occurrences=1,
    )
    document = alert_document(alert, event="test", delivery_id=f"test-{uuid.uuid4().hex}")
    return send(channel, document, timeout=(policy or RetryPolicy()).timeout_seconds)


def list_deliveries(
    store: Store, *, status: str | None = None, alert_id: int | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    ensure_tables(store)
    conds: list[str] = ["TRUE"]
    params: list[Any] = []
    if status:
        conds.append("status = ?")
        params.append(status)
    if alert_id is not None:
        conds.append("alert_id = ?")
        params.append(alert_id)
    return store.fetch_dicts(
        f"""SELECT delivery_id, alert_id, channel_name, event, status, attempts, next_attempt_at,
                   last_error, created_at, delivered_at
            FROM alert_deliveries WHERE {" AND ".join(conds)}
            ORDER BY created_at DESC LIMIT {int(limit)}""",
        params,
    )


def retry_failed(store: Store, *, now: datetime | None = None) -> int:
    """Put every notification that was given up on back in the queue, due now."""
    ensure_tables(store)
    n = int(store.fetchall("SELECT count(*) FROM alert_deliveries WHERE status = 'failed'")[0][0])
    store.execute(
        "UPDATE alert_deliveries SET status = 'pending', attempts = 0, next_attempt_at = ? "
        "WHERE status = 'failed'",
        [now or datetime.now()],
    )
    return n
