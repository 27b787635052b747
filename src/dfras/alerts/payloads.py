"""What a notification says, per channel: the JSON document, its Slack form, its e-mail.

The JSON document is built once when the notification is queued and stored in the outbox, so
every attempt sends the same bytes (receivers can deduplicate on ``delivery_id``).
"""

from __future__ import annotations

import json
from typing import Any

from dfras.alerts.lifecycle import Alert
from dfras.cli.output import to_jsonable

SCHEMA = "dfras.alert/v1"

_EMOJI = {"low": ":information_source:", "medium": ":warning:", "high": ":rotating_light:"}


def alert_document(alert: Alert, *, event: str, delivery_id: str) -> dict[str, Any]:
    """The webhook body: the event, the delivery's id, and the alert as stored."""
    return {
        "schema": SCHEMA,
        "event": f"alert.{event}",
        "delivery_id": delivery_id,
        "alert": to_jsonable(alert.to_dict()),
    }


def encode(document: dict[str, Any]) -> bytes:
    """The exact bytes sent and signed (compact, key-sorted UTF-8 JSON)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def _headline(document: dict[str, Any]) -> str:
    a = document["alert"]
    verb = {"alert.opened": "Alert", "alert.reopened": "Alert again", "alert.resolved": "Resolved"}
    return f"{verb.get(document['event'], 'Alert')} #{a['alert_id']} [{a['severity']}] {a['rule_name']}"


def slack_message(document: dict[str, Any]) -> dict[str, Any]:
    """A Slack incoming-webhook message: ``text`` (the fallback) plus section blocks."""
    a = document["alert"]
    icon = (
        ":white_check_mark:"
        if document["event"] == "alert.resolved"
        else _EMOJI.get(a["severity"], ":fire:")
    )
    headline = _headline(document)
    return {
        "text": f"{headline}: {a['title']}",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"{icon} *{headline}*"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": a["title"]}},
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f"state {a['state']} · first seen {a['first_seen']} · "
                        f"seen {a['occurrences']}× · `dfras alerts ack {a['alert_id']}`",
                    }
                ],
            },
        ],
    }


def email_message(document: dict[str, Any]) -> tuple[str, str]:
    """(subject, plain-text body) of the e-mail."""
    a = document["alert"]
    figures = json.dumps(a.get("figures") or {}, indent=2, ensure_ascii=False)
    body = "\n".join(
        [
            a["title"],
            "",
            f"Rule: {a['rule_name']} ({a['kind']})",
            f"Severity: {a['severity']}",
            f"State: {a['state']}",
            f"First seen: {a['first_seen']}",
            f"Last seen: {a['last_seen']} ({a['occurrences']} evaluations)",
            "",
            "Figures:",
            figures,
            "",
            f"Acknowledge: dfras alerts ack {a['alert_id']}",
            f"Delivery id: {document['delivery_id']}",
        ]
    )
    return _headline(document), body
