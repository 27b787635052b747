"""Notification channels: a signed JSON webhook, a Slack-compatible webhook, SMTP e-mail.

A channel's ``config`` keeps addresses and secret *references* (see :mod:`.secrets`); listing
a channel shows the reference, never the value. ``min_severity`` lets a channel take only the
alerts that matter to it (a pager webhook for ``critical``, e-mail for everything).

Example:
    >>> build_channel(name="ops", type="slack", config={"url": "https://hooks.example/T1"}).type
    'slack'
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

from dfras.alerts.rules import SEVERITIES
from dfras.alerts.schema import ensure_tables
from dfras.alerts.secrets import check_reference, is_reference, shown
from dfras.domain.errors import NotFound, UserError
from dfras.store.base import Store

TYPES = ("webhook", "slack", "smtp")
SMTP_SECURITY = ("none", "starttls", "ssl")


@dataclass
class Channel:
    """One stored channel."""

    name: str
    type: str
    config: dict[str, Any] = field(default_factory=dict)
    min_severity: str = "low"
    enabled: bool = True
    channel_id: str = ""

    def accepts(self, severity: str) -> bool:
        return SEVERITIES.index(severity) >= SEVERITIES.index(self.min_severity)

    def to_dict(self) -> dict[str, Any]:
        """The channel as shown to users: references to secrets, never secrets."""
        return {
            "channel_id": self.channel_id,
            "name": self.name,
            "type": self.type,
            "config": {k: shown(v) for k, v in self.config.items()},
            "min_severity": self.min_severity,
            "enabled": self.enabled,
        }


def _url(where: str, config: dict[str, Any]) -> str:
    """An http(s) URL, or a reference to one (a Slack webhook URL is itself a secret)."""
    url = str(config.get("url") or "")
    if is_reference(url):
        return url
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise UserError(f"{where}: url must be an http(s) URL or env:NAME / file:PATH, got {url!r}")
    return url


def build_channel(
    *,
    name: str,
    type: str,
    config: dict[str, Any] | None = None,
    min_severity: str = "low",
    enabled: bool = True,
) -> Channel:
    """A validated channel; a UserError naming the setting and the rule broken otherwise."""
    where = f"channel {name!r}"
    if not name or not name.strip():
        raise UserError("a channel needs a name")
    if type not in TYPES:
        raise UserError(f"{where}: unknown type {type!r}", hint=f"use one of {', '.join(TYPES)}")
    if min_severity not in SEVERITIES:
        raise UserError(f"{where}: min_severity must be one of {', '.join(SEVERITIES)}")
    c = dict(config or {})
    clean: dict[str, Any]
    if type == "webhook":
        if not c.get("secret"):
            raise UserError(
                f"{where}: a webhook needs a signing secret",
                hint="add secret=env:NAME (receivers verify X-DFRAS-Signature with it)",
            )
        clean = {"url": _url(where, c), "secret": check_reference(str(c["secret"]), field="secret")}
    elif type == "slack":
        clean = {"url": _url(where, c)}
    else:
        host = str(c.get("host") or "")
        if not host:
            raise UserError(f"{where}: an smtp channel needs host")
        to = c.get("to") or []
        to = [to] if isinstance(to, str) else list(to)
        if not to or not all("@" in a for a in to):
            raise UserError(f"{where}: to must be one or more e-mail addresses, got {to!r}")
        sender = str(c.get("sender") or "")
        if "@" not in sender:
            raise UserError(f"{where}: sender must be an e-mail address, got {sender!r}")
        security = str(c.get("security") or "none")
        if security not in SMTP_SECURITY:
            raise UserError(f"{where}: security must be one of {', '.join(SMTP_SECURITY)}")
        try:
            port = int(c.get("port") or (465 if security == "ssl" else 25))
        except (TypeError, ValueError) as exc:
            raise UserError(f"{where}: port must be a number, got {c.get('port')!r}") from exc
        clean = {"host": host, "port": port, "sender": sender, "to": to, "security": security}
        if c.get("username"):
            clean["username"] = str(c["username"])
            if not c.get("password"):
                raise UserError(f"{where}: username given without password=env:NAME")
            clean["password"] = check_reference(str(c["password"]), field="password")
    unknown = sorted(set(c) - set(clean) - {"port", "security"})
    if unknown:
        raise UserError(f"{where}: unknown setting(s) {', '.join(unknown)} for a {type} channel")
    return Channel(name.strip(), type, clean, min_severity, enabled)


def save_channel(store: Store, channel: Channel, *, now: datetime | None = None) -> Channel:
    """Insert the channel, or replace the one of the same name (keeping its id)."""
    ensure_tables(store)
    at = now or datetime.now()
    existing = store.fetchall(
        "SELECT channel_id, created_at FROM alert_channels WHERE name = ?", [channel.name]
    )
    channel.channel_id = existing[0][0] if existing else uuid.uuid4().hex[:12]
    with store.transaction():
        store.execute("DELETE FROM alert_channels WHERE channel_id = ?", [channel.channel_id])
        store.execute(
            "INSERT INTO alert_channels VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                channel.channel_id,
                channel.name,
                channel.type,
                json.dumps(channel.config, sort_keys=True),
                channel.min_severity,
                channel.enabled,
                existing[0][1] if existing else at,
                at,
            ],
        )
    return channel


def list_channels(store: Store, *, enabled_only: bool = False) -> list[Channel]:
    ensure_tables(store)
    where = "WHERE enabled" if enabled_only else ""
    rows = store.fetchall(
        "SELECT channel_id, name, type, config, min_severity, enabled "
        f"FROM alert_channels {where} ORDER BY name"
    )
    return [
        Channel(
            channel_id=r[0],
            name=r[1],
            type=r[2],
            config=json.loads(r[3]),
            min_severity=r[4],
            enabled=bool(r[5]),
        )
        for r in rows
    ]


def find_channel(store: Store, name_or_id: str) -> Channel:
    for channel in list_channels(store):
        if name_or_id in (channel.name, channel.channel_id):
            return channel
    raise NotFound(f"no channel named {name_or_id!r}", hint="see `dfras alerts channels list`")


def remove_channel(store: Store, name_or_id: str) -> Channel:
    """Delete a channel; notifications still waiting for it are dropped from the outbox."""
    channel = find_channel(store, name_or_id)
    with store.transaction():
        store.execute("DELETE FROM alert_channels WHERE channel_id = ?", [channel.channel_id])
        store.execute(
            "UPDATE alert_deliveries SET status = 'cancelled', last_error = 'channel removed' "
            "WHERE channel_id = ? AND status = 'pending'",
            [channel.channel_id],
        )
    return channel
