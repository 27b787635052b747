"""Every table added since release 0.1: daily summaries, resolution history, patterns and event
correlations, outcome series, alerts, the model registry and predictions, simulations, report
schedules, users, refresh tokens, API keys and the audit log, all tenant tables with row-level
security forced. The audit log is append-only for the service role: INSERT and SELECT granted,
and a trigger refusing UPDATE, DELETE and TRUNCATE for everyone.

Frozen text (copied from the model code of this release), like revision 0001.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

from dfras.store.migrations.tenancy import (
    CURRENT_TENANT,
    POLICY,
    SERVICE_ROLE,
    create_tenant_table,
    drop_tenant_table,
)

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

#: (table, canonical CREATE TABLE, primary key, indexes): tenant_id is appended last.
TABLES: tuple[tuple[str, str, tuple[str, ...], tuple[tuple[str, ...], ...]], ...] = (
    (
        "resolution_history",
        """CREATE TABLE resolution_history (order_id BIGINT, changed_at TIMESTAMP,
  changed_by VARCHAR, from_status VARCHAR, to_status VARCHAR, note VARCHAR,
  preventive_measures VARCHAR)""",
        (),
        (("order_id",),),
    ),
    (
        "daily_summary",
        """CREATE TABLE daily_summary (day DATE, city VARCHAR, warehouse_id BIGINT,
  partner_company VARCHAR, client_id BIGINT, orders BIGINT, closed BIGINT, open BIGINT,
  delivered BIGINT, failed BIGINT, returned BIGINT, late BIGINT, overdue BIGINT,
  first_attempt BIGINT, revenue DECIMAL(38,2), lost_revenue DECIMAL(38,2),
  cod_at_risk DECIMAL(38,2))""",
        (),
        (("day",),),
    ),
    (
        "daily_cause_summary",
        """CREATE TABLE daily_cause_summary (day DATE, city VARCHAR, warehouse_id BIGINT,
  partner_company VARCHAR, client_id BIGINT, outcome VARCHAR, cause VARCHAR,
  category VARCHAR, orders BIGINT)""",
        (),
        (("day",),),
    ),
    (
        "outcome_series_daily",
        """CREATE TABLE outcome_series_daily (entity_column VARCHAR, entity_value VARCHAR,
  day DATE, orders BIGINT, closed BIGINT, failed BIGINT, returned BIGINT, delivered BIGINT,
  late BIGINT, open BIGINT)""",
        (),
        (("entity_column", "entity_value", "day"),),
    ),
    (
        "outcome_series_hourly",
        """CREATE TABLE outcome_series_hourly (entity_column VARCHAR, entity_value VARCHAR,
  day DATE, hour INTEGER, orders BIGINT, closed BIGINT, failed BIGINT, returned BIGINT,
  delivered BIGINT, late BIGINT, open BIGINT)""",
        (),
        (("entity_column", "entity_value", "day"),),
    ),
    (
        "pattern_detections",
        """CREATE TABLE pattern_detections (pattern_id VARCHAR, pattern_name VARCHAR,
  pattern_type VARCHAR, pattern_description VARCHAR, pattern_confidence DOUBLE,
  pattern_frequency INTEGER, pattern_duration_days INTEGER, entity_column VARCHAR,
  entity_value VARCHAR, outcome VARCHAR, window_start DATE, window_end DATE,
  affected_entities VARCHAR, pattern_metrics VARCHAR, detection_algorithm VARCHAR,
  detection_parameters VARCHAR, created_at TIMESTAMP, updated_at TIMESTAMP)""",
        ("pattern_id",),
        (),
    ),
    (
        "event_correlations",
        """CREATE TABLE event_correlations (correlation_id VARCHAR,
  primary_event_type VARCHAR, primary_event_key VARCHAR, secondary_event_type VARCHAR,
  secondary_event_key VARCHAR, correlation_type VARCHAR, correlation_strength DOUBLE,
  confidence_score DOUBLE, time_window_minutes INTEGER, spatial_distance_km DOUBLE,
  city VARCHAR, window_start DATE, window_end DATE, evidence_trail VARCHAR,
  created_at TIMESTAMP)""",
        ("correlation_id",),
        (),
    ),
    (
        "models",
        """CREATE TABLE models (model_id BIGINT, model_name VARCHAR, model_version VARCHAR,
  created_at TIMESTAMP, data_start TIMESTAMP, data_end TIMESTAMP, data_version VARCHAR,
  splits VARCHAR, features VARCHAR, seed BIGINT, params VARCHAR, importance VARCHAR,
  has_signal BOOLEAN, summary VARCHAR, artifact VARCHAR, status VARCHAR)""",
        (),
        (("model_version",),),
    ),
    (
        "model_performance",
        """CREATE TABLE model_performance (model_id BIGINT, model_name VARCHAR,
  model_version VARCHAR, evaluation_date TIMESTAMP, metrics VARCHAR, data_split VARCHAR,
  performance_score DOUBLE, created_at TIMESTAMP)""",
        (),
        (("model_version",),),
    ),
    (
        "order_predictions",
        """CREATE TABLE order_predictions (order_id BIGINT, model_version VARCHAR,
  probability DOUBLE, top_factors VARCHAR, predicted_at TIMESTAMP, data_version VARCHAR)""",
        (),
        (("order_id",),),
    ),
    (
        "alert_rules",
        """CREATE TABLE alert_rules (rule_id VARCHAR, name VARCHAR, kind VARCHAR,
  severity VARCHAR, enabled BOOLEAN, params VARCHAR, channels VARCHAR, description VARCHAR,
  created_at TIMESTAMP, updated_at TIMESTAMP)""",
        (),
        (("rule_id",),),
    ),
    (
        "alert_channels",
        """CREATE TABLE alert_channels (channel_id VARCHAR, name VARCHAR, type VARCHAR,
  config VARCHAR, min_severity VARCHAR, enabled BOOLEAN, created_at TIMESTAMP,
  updated_at TIMESTAMP)""",
        (),
        (("channel_id",),),
    ),
    (
        "alerts",
        """CREATE TABLE alerts (alert_id BIGINT, dedup_key VARCHAR, rule_id VARCHAR,
  rule_name VARCHAR, kind VARCHAR, severity VARCHAR, state VARCHAR, title VARCHAR,
  entity VARCHAR, scope VARCHAR, figures VARCHAR, first_seen TIMESTAMP, last_seen TIMESTAMP,
  occurrences BIGINT, acknowledged_by VARCHAR, acknowledged_at TIMESTAMP,
  resolved_by VARCHAR, resolved_at TIMESTAMP, resolution_note VARCHAR)""",
        (),
        (("alert_id",), ("dedup_key",)),
    ),
    (
        "alert_history",
        """CREATE TABLE alert_history (alert_id BIGINT, occurred_at TIMESTAMP, event VARCHAR,
  from_state VARCHAR, to_state VARCHAR, actor VARCHAR, detail VARCHAR)""",
        (),
        (("alert_id",),),
    ),
    (
        "alert_deliveries",
        """CREATE TABLE alert_deliveries (delivery_id VARCHAR, alert_id BIGINT,
  channel_id VARCHAR, channel_name VARCHAR, event VARCHAR, payload VARCHAR, status VARCHAR,
  attempts BIGINT, next_attempt_at TIMESTAMP, last_error VARCHAR, created_at TIMESTAMP,
  delivered_at TIMESTAMP)""",
        (),
        (("delivery_id",), ("status",)),
    ),
    (
        "alert_rule_state",
        """CREATE TABLE alert_rule_state (rule_id VARCHAR, key VARCHAR, value VARCHAR,
  updated_at TIMESTAMP)""",
        (),
        (("rule_id", "key"),),
    ),
    (
        "simulation_scenarios",
        """CREATE TABLE simulation_scenarios (scenario_id TEXT, name TEXT NOT NULL,
  type TEXT NOT NULL, parameters TEXT NOT NULL, results TEXT NOT NULL, seed BIGINT NOT NULL,
  runs INTEGER NOT NULL, created_at TIMESTAMP NOT NULL, data_version TEXT)""",
        ("scenario_id",),
        (),
    ),
    (
        "monte_carlo_results",
        """CREATE TABLE monte_carlo_results (scenario_id TEXT NOT NULL, variant TEXT NOT NULL,
  level TEXT NOT NULL, entity TEXT NOT NULL, statistic TEXT NOT NULL, mean DOUBLE,
  p05 DOUBLE, p50 DOUBLE, p95 DOUBLE, baseline_mean DOUBLE, delta_mean DOUBLE,
  delta_p05 DOUBLE, delta_p95 DOUBLE)""",
        (),
        (("scenario_id",),),
    ),
    (
        "report_schedules",
        """CREATE TABLE report_schedules (name VARCHAR, frequency VARCHAR, weekday INTEGER,
  hour INTEGER, format VARCHAR, scope_json VARCHAR, channels_json VARCHAR,
  created_at TIMESTAMP, last_run_at TIMESTAMP)""",
        ("name",),
        (),
    ),
)

_TENANT_FIRST = (
    f"tenant_id TEXT NOT NULL DEFAULT {CURRENT_TENANT} "
    "REFERENCES tenants (tenant_id) ON DELETE CASCADE"
)

#: The auth and audit tables name tenant_id FIRST (their SQL inserts it explicitly).
AUTH_TABLES: tuple[tuple[str, str], ...] = (
    (
        "users",
        f"""CREATE TABLE users (
  {_TENANT_FIRST},
  user_id TEXT NOT NULL,
  email TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL,
  scopes TEXT NOT NULL,
  active BOOLEAN NOT NULL,
  created_at TIMESTAMP NOT NULL,
  last_login_at TIMESTAMP,
  PRIMARY KEY (tenant_id, user_id),
  UNIQUE (tenant_id, email)
)""",
    ),
    (
        "refresh_tokens",
        f"""CREATE TABLE refresh_tokens (
  {_TENANT_FIRST},
  token_hash TEXT NOT NULL,
  user_id TEXT NOT NULL,
  family_id TEXT NOT NULL,
  issued_at TIMESTAMP NOT NULL,
  expires_at TIMESTAMP NOT NULL,
  used_at TIMESTAMP,
  revoked_at TIMESTAMP,
  PRIMARY KEY (tenant_id, token_hash)
)""",
    ),
    (
        "api_keys",
        f"""CREATE TABLE api_keys (
  {_TENANT_FIRST},
  key_id TEXT NOT NULL,
  name TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  role TEXT NOT NULL,
  scopes TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TIMESTAMP NOT NULL,
  expires_at TIMESTAMP,
  last_used_at TIMESTAMP,
  revoked_at TIMESTAMP,
  PRIMARY KEY (tenant_id, key_id)
)""",
    ),
    (
        "audit_log",
        f"""CREATE TABLE audit_log (
  {_TENANT_FIRST},
  event_id TEXT NOT NULL,
  occurred_at TIMESTAMP NOT NULL,
  actor TEXT NOT NULL,
  role TEXT NOT NULL,
  action TEXT NOT NULL,
  resource TEXT NOT NULL,
  method TEXT,
  path TEXT,
  status INTEGER,
  address TEXT,
  request_id TEXT,
  detail TEXT,
  PRIMARY KEY (tenant_id, event_id)
)""",
    ),
)


def _rls(name: str, grant: str) -> list[str]:
    same = f"tenant_id = {CURRENT_TENANT}"
    return [
        f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY {POLICY} ON {name} USING ({same}) WITH CHECK ({same})",
        f"GRANT {grant} ON {name} TO {SERVICE_ROLE}",
    ]


APPEND_ONLY = (
    """CREATE FUNCTION dfras_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$""",
    """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION dfras_audit_append_only()""",
    """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION dfras_audit_append_only()""",
    "CREATE INDEX audit_log_idx0 ON audit_log (tenant_id, occurred_at)",
)


def upgrade() -> None:
    for name, ddl, key, indexes in TABLES:
        for stmt in create_tenant_table(name, ddl, primary_key=key or None, indexes=indexes):
            op.execute(stmt)
    for name, ddl in AUTH_TABLES:
        op.execute(ddl)
        grant = "SELECT, INSERT" if name == "audit_log" else "SELECT, INSERT, UPDATE, DELETE"
        for stmt in _rls(name, grant):
            op.execute(stmt)
    op.execute("CREATE INDEX api_keys_idx0 ON api_keys (tenant_id, created_by)")
    op.execute("CREATE INDEX refresh_tokens_idx0 ON refresh_tokens (tenant_id, family_id)")
    for stmt in APPEND_ONLY:
        op.execute(stmt)


def downgrade() -> None:
    for name, _ in reversed(AUTH_TABLES):
        for stmt in drop_tenant_table(name):
            op.execute(stmt)
    op.execute("DROP FUNCTION IF EXISTS dfras_audit_append_only()")
    for name, _, _, _ in reversed(TABLES):
        for stmt in drop_tenant_table(name):
            op.execute(stmt)
