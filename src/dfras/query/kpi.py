"""KPI queries over the delivery fact (canonical dialect, aggregates only)."""

from __future__ import annotations

from dfras.query.fact import FACT_TABLE

#: Dimensions a breakdown may group by (fact column names).
BREAKDOWN_DIMENSIONS = ("city", "warehouse_id", "partner_company", "client_id", "route_code")

HEADLINE = f"""
SELECT count(*) AS orders,
       count(*) FILTER (WHERE is_closed) AS closed,
       count(*) FILTER (WHERE is_open) AS open,
       count(*) FILTER (WHERE is_delivered) AS delivered,
       count(*) FILTER (WHERE is_failed) AS failed,
       count(*) FILTER (WHERE is_returned) AS returned,
       count(*) FILTER (WHERE is_late) AS late,
       count(*) FILTER (WHERE is_overdue) AS overdue,
       count(*) FILTER (WHERE first_attempt_delivered) AS first_attempt_delivered,
       sum(amount) FILTER (WHERE is_failed OR is_returned) AS revenue_lost,
       sum(amount) FILTER (WHERE payment_mode = 'COD' AND (is_failed OR is_returned OR is_open))
         AS cod_at_risk,
       min(order_date) AS first_order,
       max(order_date) AS as_of
FROM {FACT_TABLE}
"""

REASONS = f"""
SELECT coalesce(failure_reason, '(none recorded)') AS failure_reason,
       coalesce(reason_category, 'Unknown') AS category, count(*) AS failed
FROM {FACT_TABLE} WHERE is_failed
GROUP BY 1, 2 ORDER BY failed DESC, failure_reason
"""


def breakdown(dimension: str) -> str:
    """Outcome counts per value of one dimension."""
    if dimension not in BREAKDOWN_DIMENSIONS:
        raise ValueError(f"cannot break down by {dimension!r}")
    return f"""
SELECT {dimension} AS value, count(*) AS orders,
       count(*) FILTER (WHERE is_closed) AS closed,
       count(*) FILTER (WHERE is_failed) AS failed,
       count(*) FILTER (WHERE is_returned) AS returned,
       count(*) FILTER (WHERE is_delivered) AS delivered,
       count(*) FILTER (WHERE is_late) AS late
FROM {FACT_TABLE} GROUP BY 1 ORDER BY orders DESC, 1
"""


#: Dimensions the explorer drills into (fact column names), in the order it shows them.
DRILL_DIMENSIONS = (
    "city",
    "warehouse_id",
    "partner_company",
    "client_id",
    "driver_id",
    "route_code",
)


def scoped_breakdown(where: str, dimensions: tuple[str, ...], top: int) -> str:
    """Outcome counts per value of each dimension within a scope, in one scan (GROUPING SETS),
    keeping the ``top`` values with most orders per dimension."""
    unknown = [d for d in dimensions if d not in DRILL_DIMENSIONS]
    if unknown:
        raise ValueError(f"cannot break down by {unknown[0]!r}")
    sets = ", ".join(f"({d})" for d in dimensions)
    dim_case = "CASE " + " ".join(f"WHEN GROUPING({d}) = 0 THEN '{d}'" for d in dimensions) + " END"
    value = "coalesce(" + ", ".join(f"CAST({d} AS VARCHAR)" for d in dimensions) + ")"
    return f"""
SELECT dimension, value, orders, closed, failed, returned, delivered, late FROM (
  SELECT {dim_case} AS dimension, {value} AS value,
         count(*) AS orders,
         count(*) FILTER (WHERE is_closed) AS closed,
         count(*) FILTER (WHERE is_failed) AS failed,
         count(*) FILTER (WHERE is_returned) AS returned,
         count(*) FILTER (WHERE is_delivered) AS delivered,
         count(*) FILTER (WHERE is_late) AS late
  FROM {FACT_TABLE} WHERE {where}
  GROUP BY GROUPING SETS ({sets})
) t
WHERE value IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY dimension ORDER BY orders DESC, value) <= {int(top)}
ORDER BY dimension, orders DESC, value
"""
