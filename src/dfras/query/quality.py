"""Queries behind the quality report, in the canonical dialect (aggregates only)."""

from __future__ import annotations

from dfras.domain.reference import FAILURE_REASONS
from dfras.domain.tables import DOMAINS
from dfras.query.fact import FACT_TABLE

BATCH_TOTALS = """
SELECT domain, count(*) AS batches, sum(rows_read) AS rows_read,
       sum(rows_accepted) AS rows_accepted, sum(rows_quarantined) AS rows_quarantined
FROM ingest_batches GROUP BY domain
"""

RULE_COUNTS = """
SELECT rule, count(*) AS n FROM (
  SELECT rule FROM quarantine WHERE domain = ?
  UNION ALL
  SELECT rule FROM row_issues WHERE domain = ?
) t GROUP BY rule ORDER BY n DESC, rule LIMIT ?
"""

RULE_EXAMPLES = """
SELECT source_file, source_row, record_key, message FROM (
  SELECT source_file, source_row, record_key, message FROM quarantine WHERE domain = ? AND rule = ?
  UNION ALL
  SELECT source_file, source_row, record_key, message FROM row_issues WHERE domain = ? AND rule = ?
) t ORDER BY source_file, source_row LIMIT ?
"""

COVERAGE = f"""
SELECT count(*) AS orders,
       count(*) FILTER (WHERE warehouse_log_count > 0) AS warehouse_logs,
       count(*) FILTER (WHERE attempts > 0) AS fleet_logs,
       count(*) FILTER (WHERE external_count > 0) AS external_factors,
       count(*) FILTER (WHERE feedback_count > 0) AS feedback
FROM {FACT_TABLE}
"""

STATUS_COUNTS = "SELECT status, count(*) FROM orders GROUP BY status ORDER BY status"

ORDER_FINDINGS = f"""
SELECT count(*) FILTER (WHERE is_delivered) AS delivered,
       count(*) FILTER (WHERE is_late) AS late,
       count(*) FILTER (WHERE is_failed) AS failed,
       count(*) FILTER (WHERE is_failed AND failure_reason IS NOT NULL) AS failed_with_reason,
       count(*) FILTER (WHERE NOT is_failed AND failure_reason IS NOT NULL) AS reason_not_failed,
       count(*) FILTER (WHERE is_open) AS open,
       count(*) FILTER (WHERE is_overdue) AS overdue,
       (SELECT count(*) FROM orders
        WHERE strpos(delivery_address_line1, chr(10)) > 0
           OR strpos(delivery_address_line2, chr(10)) > 0) AS multiline
FROM {FACT_TABLE}
"""

MULTILINE_CLIENTS = """
SELECT count(*) AS total,
       count(*) FILTER (WHERE strpos(address_line1, chr(10)) > 0
                           OR strpos(address_line2, chr(10)) > 0) AS multiline
FROM clients
"""

ISSUE_COUNT = "SELECT count(*) FROM row_issues WHERE domain = ? AND rule = ?"

_NEGATIVE_THEMES = "('address', 'stock', 'damaged', 'cancelled', 'late', 'not_delivered', 'driver_behaviour', 'no_update')"

SENTIMENT_VS_TEXT = f"""
SELECT count(*) FILTER (WHERE sentiment IS NOT NULL AND feedback_theme IS NOT NULL) AS total,
       count(*) FILTER (WHERE (sentiment = 'Positive' AND feedback_theme IN {_NEGATIVE_THEMES})
                           OR (sentiment = 'Negative' AND feedback_theme = 'positive')) AS contradicting
FROM {FACT_TABLE}
"""

UNKNOWN_REASONS = f"""
SELECT failure_reason, count(*) AS n FROM orders
WHERE failure_reason IS NOT NULL
  AND lower(trim(failure_reason)) NOT IN ({", ".join("'" + r.code.lower() + "'" for r in FAILURE_REASONS)})
GROUP BY failure_reason ORDER BY n DESC
"""


def stored_counts(domain: str) -> str:
    """Rows stored in a domain table and how many carry a warning flag."""
    assert domain in DOMAINS
    return f"SELECT count(*), count(_flags) FROM {domain}"


def leading_zero_pincodes(table: str, column: str) -> str:
    """Pincodes a number parser would shorten, by the length they would be left with."""
    stripped = f"length(ltrim({column}, '0'))"
    return f"""
SELECT count(*) FILTER (WHERE {column} LIKE '0%') AS total,
       count(*) FILTER (WHERE {column} LIKE '0%' AND {stripped} = 5) AS d5,
       count(*) FILTER (WHERE {column} LIKE '0%' AND {stripped} = 4) AS d4,
       count(*) FILTER (WHERE {column} LIKE '0%' AND {stripped} <= 3) AS d3
FROM {table}
"""


def reattempts(domain: str) -> str:
    """Orders a log domain covers, how many have several rows, and the surplus rows."""
    assert domain in DOMAINS
    return f"""
SELECT count(*) AS orders, count(*) FILTER (WHERE n > 1) AS multi,
       coalesce(sum(n - 1), 0) AS surplus
FROM (SELECT order_id, count(*) AS n FROM {domain} GROUP BY order_id) t
"""
