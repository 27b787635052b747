"""Append-only audit records: who (user, role, tenant), when, what (action and resource), from
where (address, request id) and how it ended (status).

The service records through :func:`record` only; nothing in DFRAS updates or deletes audit
rows. On PostgreSQL the service role is granted INSERT and SELECT alone and a trigger refuses
UPDATE, DELETE and TRUNCATE, so not even a bug (or an injected statement) in the service can
rewrite history; company admins read their tenant's log through :func:`query`.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dfras.service.principal import Principal
from dfras.store.base import Store

AUDIT_DDL = """CREATE TABLE IF NOT EXISTS audit_log (
  tenant_id VARCHAR NOT NULL,
  event_id VARCHAR NOT NULL,
  occurred_at TIMESTAMP NOT NULL,
  actor VARCHAR NOT NULL,
  role VARCHAR NOT NULL,
  action VARCHAR NOT NULL,
  resource VARCHAR NOT NULL,
  method VARCHAR,
  path VARCHAR,
  status INTEGER,
  address VARCHAR,
  request_id VARCHAR,
  detail VARCHAR
)"""

ACTIONS = ("write", "read_pii", "login", "login_failed", "export", "admin")


@dataclass(frozen=True)
class AuditEvent:
    action: str
    resource: str
    method: str | None = None
    path: str | None = None
    status: int | None = None
    address: str | None = None
    request_id: str | None = None
    detail: dict[str, Any] | None = None


def ensure_audit_table(store: Store) -> None:
    if store.engine == "postgres":  # revision 0002 creates it, append-only
        return
    store.execute(AUDIT_DDL)


def record(store: Store, principal: Principal, event: AuditEvent) -> str:
    """Append one event; returns its id."""
    if event.action not in ACTIONS:
        raise ValueError(f"unknown audit action {event.action!r}; known: {', '.join(ACTIONS)}")
    event_id = uuid.uuid4().hex
    store.execute(
        "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            principal.tenant_id,
            event_id,
            datetime.now(UTC).replace(tzinfo=None),
            principal.user_id,
            principal.role,
            event.action,
            event.resource,
            event.method,
            event.path,
            event.status,
            event.address,
            event.request_id,
            json.dumps(event.detail, sort_keys=True, default=str) if event.detail else None,
        ],
    )
    return event_id


def query(
    store: Store,
    tenant_id: str,
    *,
    actor: str | None = None,
    action: str | None = None,
    resource_prefix: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """A tenant's audit events, newest first, filtered by bound parameters only."""
    where = ["tenant_id = ?"]
    params: list[Any] = [tenant_id]
    if actor:
        where.append("actor = ?")
        params.append(actor)
    if action:
        where.append("action = ?")
        params.append(action)
    if resource_prefix:
        where.append("starts_with(resource, ?)")
        params.append(resource_prefix)
    if since:
        where.append("occurred_at >= ?")
        params.append(since)
    params += [max(1, min(limit, 1000)), max(0, offset)]
    return store.fetch_dicts(
        "SELECT event_id, occurred_at, actor, role, action, resource, method, path, status, address, "
        "request_id, detail FROM audit_log WHERE "
        + " AND ".join(where)
        + " ORDER BY occurred_at DESC, event_id LIMIT ? OFFSET ?",
        params,
    )
