"""Scheduled reports: daily or weekly, generated and handed to a delivery channel.

Schedules live in the store (``report_schedules``). :func:`run_due` generates every report
whose time has come since its last run and passes it to a :class:`Delivery`: the alert channels (e-mail with the file attached, a signed
webhook with it base64-encoded, Slack with where it was saved —
:class:`dfras.reports.delivery.ChannelDelivery`), or a folder (:class:`FolderDelivery`) for a
schedule that names no channel. Run it from cron (``dfras report run-due``) or let
``dfras serve`` tick it every minute.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from dfras.analysis.scope import make_scope
from dfras.domain.errors import NotFound, UserError
from dfras.reports.service import FORMATS, render
from dfras.store.base import Store

TABLE = "report_schedules"
DDL = f"""CREATE TABLE IF NOT EXISTS {TABLE} (
  name VARCHAR PRIMARY KEY,
  frequency VARCHAR,
  weekday INTEGER,
  hour INTEGER,
  format VARCHAR,
  scope_json VARCHAR,
  channels_json VARCHAR,
  created_at TIMESTAMP,
  last_run_at TIMESTAMP
)"""


@dataclass
class Schedule:
    name: str
    frequency: str  # daily | weekly
    weekday: int = 0  # 0 = Monday (weekly)
    hour: int = 7
    format: str = "pdf"
    scope: dict[str, Any] = field(default_factory=dict)
    channels: list[str] = field(default_factory=list)
    last_run_at: datetime | None = None

    def validate(self) -> None:
        if self.frequency not in ("daily", "weekly"):
            raise UserError(f"frequency {self.frequency!r} is not daily or weekly")
        if not 0 <= self.weekday <= 6:
            raise UserError(f"weekday {self.weekday} is not 0 (Monday) to 6 (Sunday)")
        if not 0 <= self.hour <= 23:
            raise UserError(f"hour {self.hour} is not 0 to 23")
        if self.format not in FORMATS:
            raise UserError(f"format {self.format!r} is not html, pdf or xlsx")

    def last_slot(self, now: datetime) -> datetime:
        """The latest time at or before ``now`` this schedule was due."""
        slot = now.replace(hour=self.hour, minute=0, second=0, microsecond=0)
        if slot > now:
            slot -= timedelta(days=1)
        if self.frequency == "weekly":
            slot -= timedelta(days=(slot.weekday() - self.weekday) % 7)
        return slot

    def is_due(self, now: datetime) -> bool:
        slot = self.last_slot(now)
        return self.last_run_at is None or self.last_run_at < slot

    def is_due_now(self) -> bool:
        return self.is_due(datetime.now())

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "frequency": self.frequency,
            "weekday": self.weekday,
            "hour": self.hour,
            "format": self.format,
            "scope": self.scope,
            "channels": self.channels,
            "last_run_at": self.last_run_at.isoformat() if self.last_run_at else None,
        }


class Delivery(Protocol):
    """Where a scheduled report goes (the alert channels implement this)."""

    def deliver(self, schedule: Schedule, filename: str, body: bytes, media_type: str) -> str:
        """Send the report; returns where it went (for the log)."""
        ...


class FolderDelivery:
    """Writes each report into a folder (schedules without channels, and the fallback)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def deliver(self, schedule: Schedule, filename: str, body: bytes, media_type: str) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / filename
        target.write_bytes(body)
        return str(target)


def _ensure(store: Store) -> None:
    if store.engine == "postgres":  # the migrations own the schema there
        return
    store.execute(DDL)


def save(store: Store, schedule: Schedule) -> Schedule:
    """Add or replace a schedule by name."""
    schedule.validate()
    make_scope(as_of=datetime.now().date(), **schedule.scope)  # refuses unknown filters
    _ensure(store)
    with store.transaction():
        store.execute(f"DELETE FROM {TABLE} WHERE name = ?", [schedule.name])
        store.execute(
            f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                schedule.name,
                schedule.frequency,
                schedule.weekday,
                schedule.hour,
                schedule.format,
                json.dumps(schedule.scope),
                json.dumps(schedule.channels),
                datetime.now().replace(microsecond=0),
                schedule.last_run_at,
            ],
        )
    return schedule


def list_schedules(store: Store) -> list[Schedule]:
    if not store.table_exists(TABLE):
        return []
    rows = store.fetch_dicts(f"SELECT * FROM {TABLE} ORDER BY name")
    return [
        Schedule(
            name=r["name"],
            frequency=r["frequency"],
            weekday=r["weekday"],
            hour=r["hour"],
            format=r["format"],
            scope=json.loads(r["scope_json"]),
            channels=json.loads(r["channels_json"]),
            last_run_at=r["last_run_at"],
        )
        for r in rows
    ]


def remove(store: Store, name: str) -> None:
    if not any(s.name == name for s in list_schedules(store)):
        raise NotFound(f"no report schedule named {name!r}", hint="list them first")
    store.execute(f"DELETE FROM {TABLE} WHERE name = ?", [name])


def run_due(
    store: Store, delivery: Delivery, *, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Generate and deliver every schedule due at ``now``; returns what was sent where."""
    from dfras.analysis.explain import default_as_of

    now = now or datetime.now()
    sent = []
    for s in list_schedules(store):
        if not s.is_due(now):
            continue
        scope = make_scope(as_of=default_as_of(store), **s.scope)
        body = render(store, scope, s.format, title=f"{s.name} ({s.frequency} report)")
        filename = f"{s.name.replace(' ', '_')}-{now:%Y%m%d-%H%M}.{s.format}"
        where = delivery.deliver(s, filename, body, FORMATS[s.format])
        store.execute(
            f"UPDATE {TABLE} SET last_run_at = ? WHERE name = ?",
            [now.replace(microsecond=0), s.name],
        )
        sent.append(
            {"schedule": s.name, "file": filename, "bytes": len(body), "delivered_to": where}
        )
    return sent
