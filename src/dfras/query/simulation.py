"""Aggregates the what-if simulation is fitted on, and the tables its runs are stored in.

Every query reads the delivery fact and returns a few hundred rows at most (per city-day,
warehouse-day, cell, month, condition level); the Monte Carlo engine works on those. Written
once in the canonical dialect (DuckDB); ``CASE`` sums instead of ``FILTER`` and plain
``GROUP BY`` positions keep them portable to PostgreSQL and Spark through SQLGlot. Dates are
passed as parameters (``?``), as ISO strings cast in SQL.

Outcome counts are per **order placed** (failed, returned, delivered late), so the rates the
engine draws from already include the few orders that never close.
"""

from __future__ import annotations

from dfras.query.fact import FACT_TABLE

SCENARIOS_TABLE = "simulation_scenarios"
RESULTS_TABLE = "monte_carlo_results"

_OUTCOMES = """count(*) AS orders,
       sum(CASE WHEN is_failed THEN 1 ELSE 0 END) AS failed,
       sum(CASE WHEN is_returned THEN 1 ELSE 0 END) AS returned,
       sum(CASE WHEN is_late THEN 1 ELSE 0 END) AS late"""

_WINDOW = "order_day >= CAST(? AS DATE) AND order_day < CAST(? AS DATE)"

#: orders placed per city and day (the volume model), window [start, end)
CITY_DAYS = f"""
SELECT city, order_day, count(*) AS orders
FROM {FACT_TABLE} WHERE city IS NOT NULL AND {_WINDOW}
GROUP BY 1, 2 ORDER BY 1, 2
"""

#: outcome counts per cell: city × warehouse × partner, window [start, end)
CELLS = f"""
SELECT city, warehouse_id, coalesce(partner_company, '(none)') AS partner, {_OUTCOMES}
FROM {FACT_TABLE} WHERE city IS NOT NULL AND {_WINDOW}
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
"""

#: outcome counts per city and calendar month (month-to-month variation of the rates)
CITY_MONTHS = f"""
SELECT city, CAST(date_trunc('month', order_day) AS DATE) AS month, {_OUTCOMES}
FROM {FACT_TABLE} WHERE city IS NOT NULL AND {_WINDOW}
GROUP BY 1, 2 ORDER BY 1, 2
"""

#: orders per warehouse and day (observed load), window [start, end)
WAREHOUSE_DAYS = f"""
SELECT warehouse_id, order_day, count(*) AS orders
FROM {FACT_TABLE} WHERE warehouse_id IS NOT NULL AND {_WINDOW}
GROUP BY 1, 2
"""

#: the warehouses table: name, city and stated capacity
WAREHOUSES = """
SELECT warehouse_id, warehouse_name, city, capacity FROM warehouses ORDER BY warehouse_id
"""

#: outcome counts by how long the order waited in the warehouse (order → dispatch):
#: under a day, one to two days, two days or more (the load → delay → outcome link)
WAIT_BINS = f"""
SELECT CASE WHEN wait_h < 24 THEN 0 WHEN wait_h < 48 THEN 1 ELSE 2 END AS wait_bin, {_OUTCOMES}
FROM (SELECT *, (epoch(dispatch_time) - epoch(order_date)) / 3600.0 AS wait_h
      FROM {FACT_TABLE} WHERE dispatch_time IS NOT NULL AND {_WINDOW}) x
GROUP BY 1 ORDER BY 1
"""

#: how much slack on-time deliveries had (promised − delivered, hours), in day bins
SLACK = f"""
SELECT CASE WHEN slack_h < 24 THEN 0 WHEN slack_h < 48 THEN 1 ELSE 2 END AS slack_bin,
       count(*) AS delivered
FROM (SELECT (epoch(promised_delivery_date) - epoch(actual_delivery_date)) / 3600.0 AS slack_h
      FROM {FACT_TABLE} WHERE is_delivered AND NOT is_late
        AND actual_delivery_date IS NOT NULL AND {_WINDOW}) x
GROUP BY 1 ORDER BY 1
"""


def condition_levels(column: str) -> str:
    """Outcome counts per value of one condition column (event_type, weather_condition,
    payment_mode); NULL and empty are one level, ``(none)``."""
    if column not in ("event_type", "weather_condition", "payment_mode", "traffic_condition"):
        raise ValueError(f"not a condition column: {column!r}")
    return f"""
SELECT coalesce(nullif(trim({column}), ''), '(none)') AS level, {_OUTCOMES}
FROM {FACT_TABLE} WHERE {_WINDOW}
GROUP BY 1 ORDER BY 1
"""


#: orders per day with a given event_type (the data's own event days)
EVENT_DAYS = f"""
SELECT order_day, count(*) AS orders,
       sum(CASE WHEN event_type = ? THEN 1 ELSE 0 END) AS tagged
FROM {FACT_TABLE} WHERE {_WINDOW}
GROUP BY 1 ORDER BY 1
"""

#: failed orders per city and recorded reason (the cause mix)
CAUSES_RECORDED = f"""
SELECT city, coalesce(reason_code, failure_reason, '(none recorded)') AS cause, count(*) AS failed
FROM {FACT_TABLE} WHERE is_failed AND city IS NOT NULL AND {_WINDOW}
GROUP BY 1, 2 ORDER BY 1, 3 DESC
"""

#: failed orders per city and primary cause from the per-order causes table
CAUSES_PER_ORDER = f"""
SELECT f.city, coalesce(r.primary_cause, f.reason_code, f.failure_reason, '(none recorded)')
         AS cause, count(*) AS failed
FROM {FACT_TABLE} f LEFT JOIN root_cause_analysis r
  ON r.order_id = f.order_id AND r.outcome = 'failure'
WHERE f.is_failed AND f.city IS NOT NULL
  AND f.order_day >= CAST(? AS DATE) AND f.order_day < CAST(? AS DATE)
GROUP BY 1, 2 ORDER BY 1, 3 DESC
"""

#: the data's clock: first and last order day
DATA_SPAN = f"SELECT min(order_day), max(order_day), count(*) FROM {FACT_TABLE}"

CREATE_SCENARIOS = f"""
CREATE TABLE IF NOT EXISTS {SCENARIOS_TABLE} (
  scenario_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  parameters TEXT NOT NULL,
  results TEXT NOT NULL,
  seed BIGINT NOT NULL,
  runs INTEGER NOT NULL,
  created_at TIMESTAMP NOT NULL,
  data_version TEXT
)
"""

CREATE_RESULTS = f"""
CREATE TABLE IF NOT EXISTS {RESULTS_TABLE} (
  scenario_id TEXT NOT NULL,
  variant TEXT NOT NULL,
  level TEXT NOT NULL,
  entity TEXT NOT NULL,
  statistic TEXT NOT NULL,
  mean DOUBLE,
  p05 DOUBLE,
  p50 DOUBLE,
  p95 DOUBLE,
  baseline_mean DOUBLE,
  delta_mean DOUBLE,
  delta_p05 DOUBLE,
  delta_p95 DOUBLE
)
"""

INSERT_SCENARIO = f"INSERT INTO {SCENARIOS_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
INSERT_RESULT = f"INSERT INTO {RESULTS_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

LIST_SCENARIOS = f"""
SELECT scenario_id, name, type, seed, runs, created_at, data_version
FROM {SCENARIOS_TABLE} ORDER BY created_at DESC
"""
GET_SCENARIO = f"SELECT results FROM {SCENARIOS_TABLE} WHERE scenario_id = ?"
