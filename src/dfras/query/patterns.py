"""Queries of the pattern scan: outcome series, reason and condition counts, chain members.

Written once in the canonical dialect (DuckDB's), like every query of DFRAS. The series are
built by one ``GROUPING SETS`` query each over the delivery fact; everything the detectors read
afterwards is an aggregate of a few hundred thousand rows at most (entities below a minimum
volume are filtered in the engine).
"""

from __future__ import annotations

from dfras.query.fact import FACT_TABLE

DAILY_TABLE = "outcome_series_daily"
HOURLY_TABLE = "outcome_series_hourly"
#: The recurring causes whose weekday is looked up (a small temporary table).
RECURRING_TARGETS = "pattern_recurring_targets"

#: Entity columns of the series (source column names) and, for the hourly table, which ones.
SERIES_COLUMNS: tuple[str, ...] = (
    "city",
    "warehouse_id",
    "partner_company",
    "client_id",
    "driver_id",
    "route_code",
)
HOURLY_COLUMNS: tuple[str, ...] = ("city", "warehouse_id", "partner_company")

#: External conditions that make an event when they hit a city's orders on given days.
CONDITION_COLUMNS: tuple[str, ...] = ("weather_condition", "traffic_condition", "event_type")
#: The usual level of each condition, never an event.
CONDITION_NORMAL: dict[str, tuple[str, ...]] = {
    "weather_condition": ("Clear",),
    "traffic_condition": ("Clear", "Moderate", "Low", "Light"),
    "event_type": ("", "None", "none"),
}

_MEASURES = """count(*) AS orders,
  count(*) FILTER (WHERE is_closed) AS closed,
  count(*) FILTER (WHERE is_failed) AS failed,
  count(*) FILTER (WHERE is_returned) AS returned,
  count(*) FILTER (WHERE is_delivered) AS delivered,
  count(*) FILTER (WHERE is_late) AS late,
  count(*) FILTER (WHERE is_open) AS open"""


def _entity_case(columns: tuple[str, ...]) -> tuple[str, str]:
    label = "CASE " + " ".join(f"WHEN GROUPING({c}) = 0 THEN '{c}'" for c in columns)
    label += " ELSE 'all' END"
    value = "CASE " + " ".join(f"WHEN GROUPING({c}) = 0 THEN CAST({c} AS VARCHAR)" for c in columns)
    value += " ELSE 'all' END"
    return label, value


def build_series_sql(where: str, *, hourly: bool) -> str:
    """CREATE the daily (or day × hour) outcome series of every entity in one query.

    Rows whose entity is unknown (an order without a fleet log has no driver) are dropped;
    entity values are text so one table holds every entity column.
    """
    columns = HOURLY_COLUMNS if hourly else SERIES_COLUMNS
    table = HOURLY_TABLE if hourly else DAILY_TABLE
    time_cols = "order_day, order_hour" if hourly else "order_day"
    sets = ", ".join([f"({time_cols})", *(f"({c}, {time_cols})" for c in columns)])
    label, value = _entity_case(columns)
    hour = ", order_hour AS hour" if hourly else ""
    return f"""CREATE OR REPLACE TABLE {table} AS
SELECT * FROM (
  SELECT {label} AS entity_column, {value} AS entity_value, order_day AS day{hour},
    {_MEASURES}
  FROM {FACT_TABLE}
  WHERE order_day IS NOT NULL AND ({where})
  GROUP BY GROUPING SETS ({sets})
) grouped WHERE entity_value IS NOT NULL"""


def open_share_sql() -> str:
    """Orders and open orders per day, to find where the data is not settled yet."""
    return f"""SELECT day, orders, open FROM {DAILY_TABLE} WHERE entity_column = 'all'
ORDER BY day"""


def series_sql(min_closed: int) -> str:
    """The daily series of every entity with at least ``min_closed`` closed orders in all."""
    return f"""WITH big AS (
  SELECT entity_column, entity_value FROM {DAILY_TABLE}
  GROUP BY 1, 2 HAVING sum(closed) >= ?
)
SELECT s.entity_column, s.entity_value, s.day, s.closed, s.failed, s.returned, s.delivered,
  s.late
FROM {DAILY_TABLE} s JOIN big USING (entity_column, entity_value)
WHERE s.day <= ?"""


def hourly_profile_sql() -> str:
    """Per entity and hour of day: closed, failed, returned, delivered, late (settled days)."""
    return f"""SELECT entity_column, entity_value, hour, sum(closed) AS closed,
  sum(failed) AS failed, sum(returned) AS returned, sum(delivered) AS delivered,
  sum(late) AS late
FROM {HOURLY_TABLE} WHERE day <= ? GROUP BY 1, 2, 3"""


def reason_weeks_sql(where: str, columns: tuple[str, ...]) -> str:
    """Failures per entity, recorded reason and week (settled days), for recurring causes;
    only entities with at least the given number of closed orders (from the daily series)."""
    sets = ", ".join(f"({c}, reason_code, week)" for c in columns)
    label, value = _entity_case(columns)
    return f"""WITH big AS (
  SELECT entity_column, entity_value FROM {DAILY_TABLE}
  GROUP BY 1, 2 HAVING sum(closed) >= ?
), counted AS (
SELECT {label} AS entity_column, {value} AS entity_value, reason_code AS reason,
  week, count(*) AS failed
FROM (SELECT *, date_trunc('week', order_day) AS week FROM {FACT_TABLE}
      WHERE is_failed AND reason_code IS NOT NULL AND order_day <= ? AND ({where})) f
GROUP BY GROUPING SETS ({sets})
)
SELECT c.* FROM counted c JOIN big USING (entity_column, entity_value)
WHERE c.entity_value IS NOT NULL"""


def reason_totals_sql(where: str) -> str:
    """Failures per recorded reason (settled days), the norm of each cause."""
    return f"""SELECT reason_code AS reason, count(*) AS failed FROM {FACT_TABLE}
WHERE is_failed AND reason_code IS NOT NULL AND order_day <= ? AND ({where}) GROUP BY 1"""


def weekday_of_reason_sql(where: str, columns: tuple[str, ...]) -> str:
    """For the (entity column ``c``, value ``v``, reason ``r``) triples of the temporary table
    :data:`RECURRING_TARGETS`: failures with that reason and closed orders per weekday, to say
    on which weekday a recurring cause concentrates (parameters per column: the last settled
    day, then the scope's)."""
    parts = []
    for col in columns:
        parts.append(
            f"""SELECT w.c, w.v, w.r, f.weekday, count(*) FILTER (WHERE f.is_closed) AS closed,
  count(*) FILTER (WHERE f.is_failed AND f.reason_code = w.r) AS hits
FROM {FACT_TABLE} f
JOIN {RECURRING_TARGETS} w ON w.c = '{col}' AND CAST(f.{col} AS VARCHAR) = w.v
WHERE f.order_day <= ? AND ({where})
GROUP BY 1, 2, 3, 4"""
        )
    return "\nUNION ALL\n".join(parts)


def condition_days_sql(where: str) -> str:
    """Per city, day and external condition value: orders with a recorded condition and how
    many carry this value (settled and unsettled days alike: conditions are known at once)."""
    parts = []
    for col in CONDITION_COLUMNS:
        normal = ", ".join(f"'{v}'" for v in CONDITION_NORMAL[col])
        parts.append(
            f"""SELECT city, order_day AS day, '{col}' AS factor, {col} AS value,
  count(*) AS hits FROM {FACT_TABLE}
WHERE external_count > 0 AND city IS NOT NULL AND {col} IS NOT NULL AND {col} NOT IN ({normal})
  AND ({where})
GROUP BY 1, 2, 3, 4"""
        )
    return "\nUNION ALL\n".join(parts)


def covered_days_sql(where: str) -> str:
    """Per city and day: orders that have an external-factor record."""
    return f"""SELECT city, order_day AS day, count(*) AS covered FROM {FACT_TABLE}
WHERE external_count > 0 AND city IS NOT NULL AND ({where}) GROUP BY 1, 2"""


def association_sql(where: str) -> str:
    """Per city, condition value and outcome presence, for the stratified association test:
    closed/failed and delivered/late by (city, factor, has value) over settled days."""
    parts = []
    for col in CONDITION_COLUMNS:
        normal = ", ".join(f"'{v}'" for v in CONDITION_NORMAL[col])
        parts.append(
            f"""SELECT city, '{col}' AS factor, v.value,
  count(*) FILTER (WHERE is_closed AND {col} = v.value) AS closed_with,
  count(*) FILTER (WHERE is_failed AND {col} = v.value) AS failed_with,
  count(*) FILTER (WHERE is_closed AND {col} <> v.value) AS closed_without,
  count(*) FILTER (WHERE is_failed AND {col} <> v.value) AS failed_without,
  count(*) FILTER (WHERE is_delivered AND {col} = v.value) AS delivered_with,
  count(*) FILTER (WHERE is_late AND {col} = v.value) AS late_with,
  count(*) FILTER (WHERE is_delivered AND {col} <> v.value) AS delivered_without,
  count(*) FILTER (WHERE is_late AND {col} <> v.value) AS late_without
FROM {FACT_TABLE} CROSS JOIN (SELECT DISTINCT {col} AS value FROM {FACT_TABLE}
  WHERE {col} IS NOT NULL AND {col} NOT IN ({normal})) v
WHERE external_count > 0 AND city IS NOT NULL AND {col} IS NOT NULL AND order_day <= ?
  AND ({where})
GROUP BY 1, 2, 3"""
        )
    return "\nUNION ALL\n".join(parts)


def window_members_sql(column: str) -> str:
    """Failed (or outcome) orders of one city in a window, with the entities they went through.

    Parameters: city, first day, last day, outcome flag column is fixed by ``column``.
    """
    return f"""SELECT order_id, order_day, route_code, partner_company, warehouse_id,
  failure_reason, weather_condition, traffic_condition, event_type
FROM {FACT_TABLE}
WHERE city = ? AND order_day BETWEEN ? AND ? AND {column}
ORDER BY order_id"""


def window_entity_counts_sql(entity: str, flag: str, population: str) -> str:
    """Per entity of one city: outcomes and population inside a window and outside it."""
    return f"""SELECT CAST({entity} AS VARCHAR) AS value,
  count(*) FILTER (WHERE {population} AND order_day BETWEEN ? AND ?) AS n_in,
  count(*) FILTER (WHERE {flag} AND order_day BETWEEN ? AND ?) AS k_in,
  count(*) FILTER (WHERE {population} AND NOT (order_day BETWEEN ? AND ?)) AS n_out,
  count(*) FILTER (WHERE {flag} AND NOT (order_day BETWEEN ? AND ?)) AS k_out
FROM {FACT_TABLE} WHERE city = ? AND {entity} IS NOT NULL AND order_day <= ?
GROUP BY 1"""


def reason_contrast_sql(where: str) -> str:
    """Recorded failure reasons of one scope's failures inside a window and outside it.

    Parameters: window first day, last day (twice), settled end, then the scope's parameters.
    """
    return f"""SELECT coalesce(reason_code, failure_reason, '(none)') AS reason,
  count(*) FILTER (WHERE order_day BETWEEN ? AND ?) AS inside,
  count(*) FILTER (WHERE NOT (order_day BETWEEN ? AND ?)) AS outside
FROM {FACT_TABLE} WHERE is_failed AND order_day <= ? AND ({where}) GROUP BY 1"""


#: Stage times that date an entity's trend more finely than its outcome rate (every order
#: carries its stage time; few carry the outcome), by the series' entity column.
STAGE_TIMES: dict[str, tuple[str, ...]] = {
    "warehouse_id": ("picking_minutes", "dispatch_wait_minutes"),
    "partner_company": ("transit_hours",),
    "driver_id": ("transit_hours",),
    "route_code": ("transit_hours",),
}


def stage_days_sql(column: str, measure: str) -> str:
    """Per day up to an end: one entity's orders with a positive ``measure`` and their mean
    log ``measure`` (parameters: the entity value as text, the end day)."""
    if column not in STAGE_TIMES or measure not in STAGE_TIMES[column]:
        raise ValueError(f"no stage time {measure!r} for {column!r}")
    return f"""SELECT order_day AS day, count(*) AS n, avg(ln({measure})) AS mean_log
FROM {FACT_TABLE}
WHERE CAST({column} AS VARCHAR) = ? AND order_day <= ? AND {measure} > 0
GROUP BY order_day ORDER BY order_day"""
