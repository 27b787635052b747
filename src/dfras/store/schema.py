"""The store's tables as engine-neutral DDL, derived from the canonical domain model.

Three kinds of table live in a store:
- the eight canonical domain tables, each with lineage columns (batch, source file and row,
  ingestion time, warning flags);
- bookkeeping: ``ingest_batches`` (one row per committed file), ``quarantine`` (rejected rows
  with their raw content), ``row_issues`` (warnings on kept rows), ``store_meta`` (data version);
- reference data: ``status_codes`` and ``failure_reasons``, seeded from the reference design;
- derived results: ``root_cause_analysis`` (per-order causes), ``pattern_detections`` and
  ``event_correlations`` (patterns, anomalies and event correlations; keyed by a stable id).

The DDL is written once in the DuckDB dialect; :mod:`dfras.query.dialect` compiles it for other
engines. No primary-key constraints on the domain tables: natural-key uniqueness is enforced by
the ingestion upsert, which keeps bulk loads fast on a column store. The two small result tables
of the pattern scan keep theirs (their ids are stable hashes, re-scans upsert by them).
"""

from __future__ import annotations

from dfras.domain.reference import FAILURE_REASONS, STATUS_CODES
from dfras.domain.tables import DOMAINS, LANDING_COLUMNS, LINEAGE_COLUMNS, Domain

#: Version of the embedded store's layout; :data:`UPGRADES` brings older stores up to it.
SCHEMA_VERSION = 3

#: Statements that take an embedded store from version ``n - 1`` to ``n``, by ``n``.
#: 2: rows no longer carry a stored fingerprint (``_row_hash``; imports compute one only when
#: they compare rows) nor copies of their batch's file and time (``_source_file``,
#: ``_ingested_at``; kept in ``ingest_batches``).
#: 3: a batch records its file's digest as ``source_digest`` (BLAKE3, ``blake3:``-prefixed; the
#: SHA-256 digests recorded before keep their place, see :mod:`dfras.ingest.identity`).
UPGRADES: dict[int, tuple[str, ...]] = {
    2: tuple(
        f"ALTER TABLE {name} DROP COLUMN IF EXISTS {column}"
        for name in DOMAINS
        for column in ("_row_hash", "_source_file", "_ingested_at")
    ),
    3: ("ALTER TABLE ingest_batches RENAME COLUMN source_sha256 TO source_digest",),
}

_SQL_TYPES = {
    "text": "VARCHAR",
    "int": "BIGINT",
    "decimal": "DECIMAL(18,2)",
    "timestamp": "TIMESTAMP",
}


def sql_type(logical: str) -> str:
    """The SQL type of a logical column type."""
    return _SQL_TYPES[logical]


#: The embedded store's storage clause for a column whose values are nearly all distinct
#: (:attr:`~dfras.domain.tables.Column.nearly_unique`). DuckDB would compress such text with
#: FSST, which halves it but is slow to write: a million phone numbers took 0.12 s against
#: 0.04 s plain. Kept plain, these columns made a 1M-order import 5% faster (paired runs,
#: A/B 0.950) for a store 24% larger (220 to 272 MiB); see docs/benchmarks.md.
PLAIN_STORAGE = "USING COMPRESSION uncompressed"


def domain_ddl(domain: Domain, *, embedded: bool = False) -> str:
    """CREATE TABLE for one canonical domain, with its lineage columns; ``embedded``: with the
    embedded store's storage clauses (DuckDB syntax, which the other engines' DDL omits)."""
    cols = [
        f"{c.name} {sql_type(c.type)}"
        + (f" {PLAIN_STORAGE}" if embedded and c.nearly_unique else "")
        for c in domain.columns
    ]
    cols += [f"{name} {sql_type(t)}" for name, t in LINEAGE_COLUMNS + LANDING_COLUMNS]
    return f"CREATE TABLE IF NOT EXISTS {domain.name} (\n  " + ",\n  ".join(cols) + "\n)"


BOOKKEEPING_DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS store_meta (
  key VARCHAR,
  value VARCHAR
)""",
    """CREATE TABLE IF NOT EXISTS ingest_batches (
  batch_id VARCHAR,
  domain VARCHAR,
  source_file VARCHAR,
  source_digest VARCHAR,
  source_bytes BIGINT,
  mapping VARCHAR,
  rows_read BIGINT,
  rows_accepted BIGINT,
  rows_inserted BIGINT,
  rows_updated BIGINT,
  rows_unchanged BIGINT,
  rows_warned BIGINT,
  rows_quarantined BIGINT,
  warnings_json VARCHAR,
  started_at TIMESTAMP,
  finished_at TIMESTAMP
)""",
    """CREATE TABLE IF NOT EXISTS quarantine (
  batch_id VARCHAR,
  domain VARCHAR,
  source_file VARCHAR,
  source_row BIGINT,
  record_key VARCHAR,
  rule VARCHAR,
  message VARCHAR,
  raw VARCHAR,
  quarantined_at TIMESTAMP
)""",
    """CREATE TABLE IF NOT EXISTS row_issues (
  batch_id VARCHAR,
  domain VARCHAR,
  source_file VARCHAR,
  source_row BIGINT,
  record_key VARCHAR,
  rule VARCHAR,
  message VARCHAR
)""",
    """CREATE TABLE IF NOT EXISTS resolution_history (
  order_id BIGINT,
  changed_at TIMESTAMP,
  changed_by VARCHAR,
  from_status VARCHAR,
  to_status VARCHAR,
  note VARCHAR,
  preventive_measures VARCHAR
)""",
    """CREATE TABLE IF NOT EXISTS status_codes (
  status_code VARCHAR,
  status_description VARCHAR,
  is_closed BOOLEAN
)""",
    """CREATE TABLE IF NOT EXISTS failure_reasons (
  reason_code VARCHAR,
  reason_description VARCHAR,
  category VARCHAR,
  severity_level VARCHAR,
  source VARCHAR
)""",
    """CREATE TABLE IF NOT EXISTS root_cause_analysis (
  analysis_id BIGINT,
  order_id BIGINT,
  outcome VARCHAR,
  primary_cause VARCHAR,
  contributing_causes VARCHAR,
  cause_category VARCHAR,
  impact_severity VARCHAR,
  confidence_score DECIMAL(5,4),
  evidence_trail VARCHAR,
  recorded_reason VARCHAR,
  recorded_reason_status VARCHAR,
  delay_split VARCHAR,
  resolution_status VARCHAR DEFAULT 'Pending',
  resolution_notes VARCHAR,
  preventive_measures VARCHAR,
  analysis_algorithm VARCHAR,
  analysis_timestamp TIMESTAMP,
  resolved_at TIMESTAMP,
  resolved_by VARCHAR,
  cause_posteriors VARCHAR
)""",
    # Patterns and event correlations (dfras.patterns): a shared contract, other concerns
    # (alerts, API, dashboard) read these two tables.
    """CREATE TABLE IF NOT EXISTS pattern_detections (
  pattern_id VARCHAR PRIMARY KEY,
  pattern_name VARCHAR,
  pattern_type VARCHAR,
  pattern_description VARCHAR,
  pattern_confidence DOUBLE,
  pattern_frequency INTEGER,
  pattern_duration_days INTEGER,
  entity_column VARCHAR,
  entity_value VARCHAR,
  outcome VARCHAR,
  window_start DATE,
  window_end DATE,
  affected_entities VARCHAR,
  pattern_metrics VARCHAR,
  detection_algorithm VARCHAR,
  detection_parameters VARCHAR,
  created_at TIMESTAMP,
  updated_at TIMESTAMP
)""",
    """CREATE TABLE IF NOT EXISTS event_correlations (
  correlation_id VARCHAR PRIMARY KEY,
  primary_event_type VARCHAR,
  primary_event_key VARCHAR,
  secondary_event_type VARCHAR,
  secondary_event_key VARCHAR,
  correlation_type VARCHAR,
  correlation_strength DOUBLE,
  confidence_score DOUBLE,
  time_window_minutes INTEGER,
  spatial_distance_km DOUBLE,
  city VARCHAR,
  window_start DATE,
  window_end DATE,
  evidence_trail VARCHAR,
  created_at TIMESTAMP
)""",
)


#: The failure-risk model registry (``predict/registry.py``) and its per-order predictions.
#: ``order_predictions`` is a contract other concerns read (alert rules): keep its columns.
PREDICTION_DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS models (
  model_id BIGINT,
  model_name VARCHAR,
  model_version VARCHAR,
  created_at TIMESTAMP,
  data_start TIMESTAMP,
  data_end TIMESTAMP,
  data_version VARCHAR,
  splits VARCHAR,
  features VARCHAR,
  seed BIGINT,
  params VARCHAR,
  importance VARCHAR,
  has_signal BOOLEAN,
  summary VARCHAR,
  artifact VARCHAR,
  status VARCHAR
)""",
    """CREATE TABLE IF NOT EXISTS model_performance (
  model_id BIGINT,
  model_name VARCHAR,
  model_version VARCHAR,
  evaluation_date TIMESTAMP,
  metrics VARCHAR,
  data_split VARCHAR,
  performance_score DOUBLE,
  created_at TIMESTAMP
)""",
    """CREATE TABLE IF NOT EXISTS order_predictions (
  order_id BIGINT,
  model_version VARCHAR,
  probability DOUBLE,
  top_factors VARCHAR,
  predicted_at TIMESTAMP,
  data_version VARCHAR
)""",
)


def all_ddl(*, embedded: bool = False) -> list[str]:
    """Every CREATE statement of a fresh store, in dependency order (``embedded``: see
    :func:`domain_ddl`)."""
    ordered = sorted(DOMAINS.values(), key=lambda d: d.load_order)
    return (
        [domain_ddl(d, embedded=embedded) for d in ordered]
        + list(BOOKKEEPING_DDL)
        + list(PREDICTION_DDL)
    )


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def seed_statements() -> list[str]:
    """Statements that (re)seed the reference tables; safe to run on every open."""
    statuses = ", ".join(
        f"({_q(s.code)}, {_q(s.description)}, {'TRUE' if s.closed else 'FALSE'})"
        for s in STATUS_CODES
    )
    reasons = ", ".join(
        f"({_q(r.code)}, {_q(r.description)}, {_q(r.category)}, {_q(r.severity)}, 'reference')"
        for r in FAILURE_REASONS
    )
    return [
        "DELETE FROM status_codes",
        f"INSERT INTO status_codes VALUES {statuses}",
        "DELETE FROM failure_reasons WHERE source = 'reference'",
        f"INSERT INTO failure_reasons VALUES {reasons}",
    ]
