"""The alert tables, created on first use (DuckDB dialect, like the store's own schema).

- ``alert_rules``: what to watch; ``params`` holds the kind's settings as JSON.
- ``alert_channels``: where to send; ``config`` holds URLs, addresses and *references* to
  secrets (``env:NAME`` or ``file:PATH``), never the secrets themselves.
- ``alerts``: one row per occurrence of a problem; ``dedup_key`` names the ongoing problem
  (rule and entity), so a problem that persists updates its row instead of adding one.
- ``alert_history``: every transition (opened, updated, acknowledged, resolved, delivery
  outcomes), append-only.
- ``alert_deliveries``: the outbox; a notification waits here until a channel accepts it.
- ``alert_rule_state``: small per-rule memory between evaluations (the last quality score).
"""

from __future__ import annotations

from dfras.store.base import Store

DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS alert_rules (
  rule_id VARCHAR,
  name VARCHAR,
  kind VARCHAR,
  severity VARCHAR,
  enabled BOOLEAN,
  params VARCHAR,
  channels VARCHAR,
  description VARCHAR,
  created_at TIMESTAMP,
  updated_at TIMESTAMP
)""",
    """CREATE TABLE IF NOT EXISTS alert_channels (
  channel_id VARCHAR,
  name VARCHAR,
  type VARCHAR,
  config VARCHAR,
  min_severity VARCHAR,
  enabled BOOLEAN,
  created_at TIMESTAMP,
  updated_at TIMESTAMP
)""",
    """CREATE TABLE IF NOT EXISTS alerts (
  alert_id BIGINT,
  dedup_key VARCHAR,
  rule_id VARCHAR,
  rule_name VARCHAR,
  kind VARCHAR,
  severity VARCHAR,
  state VARCHAR,
  title VARCHAR,
  entity VARCHAR,
  scope VARCHAR,
  figures VARCHAR,
  first_seen TIMESTAMP,
  last_seen TIMESTAMP,
  occurrences BIGINT,
  acknowledged_by VARCHAR,
  acknowledged_at TIMESTAMP,
  resolved_by VARCHAR,
  resolved_at TIMESTAMP,
  resolution_note VARCHAR
)""",
    """CREATE TABLE IF NOT EXISTS alert_history (
  alert_id BIGINT,
  occurred_at TIMESTAMP,
  event VARCHAR,
  from_state VARCHAR,
  to_state VARCHAR,
  actor VARCHAR,
  detail VARCHAR
)""",
    """CREATE TABLE IF NOT EXISTS alert_deliveries (
  delivery_id VARCHAR,
  alert_id BIGINT,
  channel_id VARCHAR,
  channel_name VARCHAR,
  event VARCHAR,
  payload VARCHAR,
  status VARCHAR,
  attempts BIGINT,
  next_attempt_at TIMESTAMP,
  last_error VARCHAR,
  created_at TIMESTAMP,
  delivered_at TIMESTAMP
)""",
    """CREATE TABLE IF NOT EXISTS alert_rule_state (
  rule_id VARCHAR,
  key VARCHAR,
  value VARCHAR,
  updated_at TIMESTAMP
)""",
)


def ensure_tables(store: Store) -> None:
    """Create the alert tables if this store has none yet (cheap when they exist)."""
    if store.table_exists("alert_rule_state"):
        return
    with store.transaction():
        for ddl in DDL:
            store.execute(ddl)
