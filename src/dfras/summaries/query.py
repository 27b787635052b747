"""The summary tables' SQL (canonical dialect): built from the delivery fact and the causes."""

from __future__ import annotations

from dfras.query.causes import RCA_TABLE
from dfras.query.fact import FACT_TABLE

DAILY_TABLE = "daily_summary"
CAUSE_TABLE = "daily_cause_summary"

#: Entity columns the summaries keep (a scope filtering only on these can use them).
DIMENSIONS = ("city", "warehouse_id", "partner_company", "client_id")

#: Count and money columns of ``daily_summary``.
MEASURES = (
    "orders",
    "closed",
    "open",
    "delivered",
    "failed",
    "returned",
    "late",
    "overdue",
    "first_attempt",
    "revenue",
    "lost_revenue",
    "cod_at_risk",
)

_DIMS = ", ".join(DIMENSIONS)

BUILD_DAILY = f"""CREATE OR REPLACE TABLE {DAILY_TABLE} AS
SELECT order_day AS day, {_DIMS},
  count(*) AS orders,
  count(*) FILTER (WHERE is_closed) AS closed,
  count(*) FILTER (WHERE is_open) AS open,
  count(*) FILTER (WHERE is_delivered) AS delivered,
  count(*) FILTER (WHERE is_failed) AS failed,
  count(*) FILTER (WHERE is_returned) AS returned,
  count(*) FILTER (WHERE is_late) AS late,
  count(*) FILTER (WHERE is_overdue) AS overdue,
  count(*) FILTER (WHERE first_attempt_delivered) AS first_attempt,
  coalesce(sum(amount), 0) AS revenue,
  coalesce(sum(amount) FILTER (WHERE is_failed OR is_returned), 0) AS lost_revenue,
  coalesce(sum(amount) FILTER (WHERE payment_mode = 'COD' AND (is_failed OR is_returned OR is_open)), 0)
    AS cod_at_risk
FROM {FACT_TABLE}
GROUP BY ALL"""

BUILD_CAUSES = f"""CREATE OR REPLACE TABLE {CAUSE_TABLE} AS
SELECT f.order_day AS day, {", ".join("f." + d for d in DIMENSIONS)},
  r.outcome, r.primary_cause AS cause, r.cause_category AS category, count(*) AS orders
FROM {RCA_TABLE} r JOIN {FACT_TABLE} f ON f.order_id = r.order_id
GROUP BY ALL"""


def totals_sql(where: str) -> str:
    cols = ", ".join(f"coalesce(sum({m}), 0) AS {m}" for m in MEASURES)
    return f"SELECT {cols}, max(day) AS last_day FROM {DAILY_TABLE} WHERE {where}"


def trend_sql(where: str) -> str:
    return f"""SELECT day AS date, sum(orders) AS orders, sum(closed) AS closed,
  sum(delivered) AS delivered, sum(failed) AS failed, sum(late) AS late,
  sum(returned) AS returned
FROM {DAILY_TABLE} WHERE {where} GROUP BY day ORDER BY day"""


def top_causes_sql(where: str) -> str:
    return f"""SELECT cause, category, sum(orders) AS orders FROM {CAUSE_TABLE}
WHERE {where} GROUP BY cause, category ORDER BY orders DESC, cause"""


#: The same figures straight from the fact, for scopes the summaries cannot serve.
FACT_TOTALS = f"""SELECT count(*) AS orders,
  count(*) FILTER (WHERE is_closed) AS closed, count(*) FILTER (WHERE is_open) AS open,
  count(*) FILTER (WHERE is_delivered) AS delivered, count(*) FILTER (WHERE is_failed) AS failed,
  count(*) FILTER (WHERE is_returned) AS returned, count(*) FILTER (WHERE is_late) AS late,
  count(*) FILTER (WHERE is_overdue) AS overdue,
  count(*) FILTER (WHERE first_attempt_delivered) AS first_attempt,
  coalesce(sum(amount), 0) AS revenue,
  coalesce(sum(amount) FILTER (WHERE is_failed OR is_returned), 0) AS lost_revenue,
  coalesce(sum(amount) FILTER (WHERE payment_mode = 'COD' AND (is_failed OR is_returned OR is_open)), 0)
    AS cod_at_risk, max(order_day) AS last_day
FROM {FACT_TABLE} WHERE {{where}}"""

FACT_TREND = f"""SELECT order_day AS date, count(*) AS orders,
  count(*) FILTER (WHERE is_closed) AS closed, count(*) FILTER (WHERE is_delivered) AS delivered,
  count(*) FILTER (WHERE is_failed) AS failed, count(*) FILTER (WHERE is_late) AS late,
  count(*) FILTER (WHERE is_returned) AS returned
FROM {FACT_TABLE} WHERE {{where}} GROUP BY order_day ORDER BY order_day"""

FACT_CAUSES = f"""SELECT r.primary_cause AS cause, r.cause_category AS category, count(*) AS orders
FROM {RCA_TABLE} r JOIN {FACT_TABLE} f ON f.order_id = r.order_id
WHERE {{where}} GROUP BY 1, 2 ORDER BY orders DESC, cause"""


def breakdown_sql(dimension: str, where: str, *, from_fact: bool) -> str:
    """Outcome counts per value of one summary dimension (``dimension`` is whitelisted)."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"cannot break down by {dimension!r}")
    if from_fact:
        return f"""SELECT {dimension} AS value, count(*) AS orders,
  count(*) FILTER (WHERE is_closed) AS closed, count(*) FILTER (WHERE is_delivered) AS delivered,
  count(*) FILTER (WHERE is_failed) AS failed, count(*) FILTER (WHERE is_returned) AS returned,
  count(*) FILTER (WHERE is_late) AS late,
  coalesce(sum(amount) FILTER (WHERE is_failed OR is_returned), 0) AS lost_revenue
FROM {FACT_TABLE} WHERE {where} GROUP BY 1 ORDER BY orders DESC, 1"""
    return f"""SELECT {dimension} AS value, sum(orders) AS orders, sum(closed) AS closed,
  sum(delivered) AS delivered, sum(failed) AS failed, sum(returned) AS returned,
  sum(late) AS late, sum(lost_revenue) AS lost_revenue
FROM {DAILY_TABLE} WHERE {where} GROUP BY 1 ORDER BY orders DESC, 1"""
