"""Scheduled reports sent over the alert channels (:mod:`dfras.alerts.channels`).

A schedule names channels; :class:`ChannelDelivery` implements the reports' ``Delivery`` over
them:

- **smtp**: an e-mail with the report attached (the channel's server, sender and recipients);
- **webhook**: a signed JSON document (``event: report.generated``) carrying the file itself,
  base64-encoded, with its name, media type and size — a receiver needs no access to this
  machine, and verifies ``X-DFRAS-Signature`` as for alerts;
- **slack**: a message naming the report and where it was saved (Slack webhooks take no files),
  so the report is also written to the folder.

A schedule with no channels, or whose channels all fail or are unknown, goes to the folder
(:class:`FolderDelivery`), so a report is never lost; what went where is returned for the log.
"""

from __future__ import annotations

import base64
import logging
import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from dfras.alerts.channels import Channel, list_channels
from dfras.alerts.senders import DeliveryFailed, post_json, send, send_mail
from dfras.reports.schedule import FolderDelivery, Schedule
from dfras.store.base import Store

log = logging.getLogger("dfras.reports")
#: Seconds one channel may take to accept a report.
TIMEOUT = 30.0
EVENT = "report.generated"
SCHEMA = "dfras.report/v1"


class ChannelDelivery:
    """Sends each report over its schedule's channels; the folder is the fallback."""

    def __init__(self, channels: list[Channel], folder: Path, *, timeout: float = TIMEOUT) -> None:
        self.channels = {c.name: c for c in channels if c.enabled}
        self.folder = FolderDelivery(folder)
        self.timeout = timeout

    @classmethod
    def from_store(cls, store: Store, folder: Path) -> ChannelDelivery:
        return cls(list_channels(store) if store.table_exists("alert_channels") else [], folder)

    def deliver(self, schedule: Schedule, filename: str, body: bytes, media_type: str) -> str:
        sent: list[str] = []
        saved: str | None = None
        for name in schedule.channels:
            channel = self.channels.get(name)
            if channel is None:
                log.warning("report %s: no enabled channel named %r", schedule.name, name)
                continue
            try:
                if channel.type == "slack":
                    saved = saved or self.folder.deliver(schedule, filename, body, media_type)
                    receipt = post_json(
                        channel.config["url"], _slack(schedule, filename, body, saved), self.timeout
                    )
                elif channel.type == "smtp":
                    receipt = send_mail(
                        channel.config,
                        _mail(channel, schedule, filename, body, media_type),
                        self.timeout,
                    )
                else:
                    receipt = send(
                        channel,
                        document(schedule, filename, body, media_type),
                        timeout=self.timeout,
                    )
            except DeliveryFailed as exc:
                log.warning("report %s over %s failed: %s", schedule.name, name, exc)
                continue
            sent.append(f"{name} ({receipt})")
        if not sent and saved is None:
            saved = self.folder.deliver(schedule, filename, body, media_type)
        return "; ".join(sent + ([saved] if saved else []))


def document(schedule: Schedule, filename: str, body: bytes, media_type: str) -> dict[str, Any]:
    """The webhook body: the schedule, the file's name, type, size and content (base64)."""
    return {
        "schema": SCHEMA,
        "event": EVENT,
        "delivery_id": uuid.uuid4().hex,
        "schedule": schedule.name,
        "frequency": schedule.frequency,
        "filename": filename,
        "media_type": media_type,
        "bytes": len(body),
        "content_base64": base64.b64encode(body).decode("ascii"),
    }


def _mail(
    channel: Channel, schedule: Schedule, filename: str, body: bytes, media_type: str
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = f"DFRAS {schedule.frequency} report: {schedule.name}"
    message["From"] = channel.config["sender"]
    message["To"] = ", ".join(channel.config["to"])
    message.set_content(
        f"The {schedule.frequency} report {schedule.name!r} is attached ({filename}, "
        f"{len(body):,} bytes).\n"
    )
    maintype, _, subtype = media_type.partition("/")
    message.add_attachment(body, maintype=maintype, subtype=subtype, filename=filename)
    return message


def _slack(schedule: Schedule, filename: str, body: bytes, saved: str) -> dict[str, Any]:
    return {
        "text": f":page_facing_up: DFRAS {schedule.frequency} report *{schedule.name}*: "
        f"{filename} ({len(body):,} bytes), saved at {saved}"
    }
