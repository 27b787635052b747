"""The delivery fact: one row per order joining all eight domains, with the glossary outcomes.

This is what analysis reads. It is derived in the engine from the canonical tables (one query,
written once in the canonical dialect) and rebuilt whenever the data version moves on.

Which log row wins when an order has several (re-attempts, re-picks, repeated records):
- warehouse_logs: the latest dispatch (``dispatch_time``, then ``picking_start``, then the
  highest ``log_id``) — the pick that actually left the building;
- fleet_logs: the latest attempt (``departure_time``, then the highest ``fleet_log_id``) — the
  attempt that produced the outcome; ``attempts`` counts every fleet log of the order;
- external_factors: the latest ``recorded_at`` (then highest ``factor_id``) — the conditions
  closest to the outcome;
- feedback: the latest ``created_at`` (then highest ``feedback_id``).
Counts of rows per domain are kept (``warehouse_log_count``, ``attempts``, ...), so nothing is
hidden by the choice.

Each distinct feedback text is given its theme once (``themes``), then joined: texts repeat
(templates, canned replies), and matching every keyword against every order's text took a
seventh of the build.

Outcomes follow PRODUCT.md's glossary: closed = Delivered/Failed/Returned; late = Delivered after
the promised date; ``delay_hours`` = actual − promised in hours for delivered orders; overdue =
open and promised before the as-of time (the latest order_date, recorded in ``store_meta``).
"""

from __future__ import annotations

from dfras.domain.reference import FAILURE_REASONS
from dfras.domain.tables import FLEET_LOGS, ORDERS
from dfras.domain.themes import theme_case_sql

FACT_TABLE = "delivery_fact"

#: Fact columns copied unchanged from a domain column whose values are nearly all distinct
#: (:attr:`~dfras.domain.tables.Column.nearly_unique`): stored like their source, plain.
NEARLY_UNIQUE_COLUMNS: tuple[str, ...] = tuple(
    name
    for name, source in (("customer_phone", ORDERS), ("vehicle_number", FLEET_LOGS))
    if source.column(name).nearly_unique
)


def _reason_values() -> str:
    return ", ".join(
        f"('{r.code.lower()}', '{r.code}', '{r.category}', '{r.severity}')" for r in FAILURE_REASONS
    )


def _latest(table: str, order_cols: str, columns: str, orders: str) -> str:
    """The latest row per order of a log table, with the number of rows the order has.

    Only the columns the fact uses are carried through the window (a narrow projection is
    several times faster than carrying every lineage column along). ``orders`` is a
    condition on ``order_id`` (``TRUE`` for all).
    """
    return (
        f"SELECT {columns}, _n FROM (SELECT {columns}, "
        f"row_number() OVER (PARTITION BY order_id ORDER BY {order_cols}) AS _rn, "
        f"count(*) OVER (PARTITION BY order_id) AS _n FROM {table} WHERE {orders}) x "
        "WHERE _rn = 1"
    )


def fact_select_sql(order_ids: tuple[int, int] | None = None) -> str:
    """The SELECT that produces the delivery fact from the canonical tables: of every order,
    or of the orders whose ids lie in ``order_ids`` (inclusive bounds). A fact row depends on
    its own order's rows only (and on the as-of time, taken over every order), so the fact can
    be built range by range."""
    theme = theme_case_sql("feedback_text")
    ids = (
        "TRUE"
        if order_ids is None
        else f"order_id BETWEEN {int(order_ids[0])} AND {int(order_ids[1])}"
    )
    return f"""
WITH wl AS ({_latest("warehouse_logs", "dispatch_time DESC NULLS LAST, picking_start DESC NULLS LAST, log_id DESC", "order_id, warehouse_id, picking_start, picking_end, dispatch_time, notes", ids)}),
fl AS ({_latest("fleet_logs", "departure_time DESC NULLS LAST, fleet_log_id DESC", "order_id, driver_id, vehicle_number, route_code, gps_delay_notes, departure_time, arrival_time", ids)}),
ef AS ({_latest("external_factors", "recorded_at DESC NULLS LAST, factor_id DESC", "order_id, traffic_condition, weather_condition, event_type", ids)}),
fb AS ({_latest("feedback", "created_at DESC NULLS LAST, feedback_id DESC", "order_id, feedback_text, sentiment, rating", ids)}),
themes AS (
  SELECT feedback_text, {theme} AS feedback_theme
  FROM (SELECT DISTINCT feedback_text FROM feedback WHERE {ids}) t
),
reasons AS (
  SELECT * FROM (VALUES {_reason_values()}) AS r(reason_key, reason_code, reason_category, reason_severity)
),
clock AS (SELECT max(order_date) AS as_of FROM orders)
SELECT
  o.order_id,
  o.client_id,
  c.client_name,
  o.customer_phone,
  o.city,
  o.state,
  o.pincode,
  substr(o.pincode, 1, 3) AS pincode_area,
  o.order_date,
  CAST(o.order_date AS DATE) AS order_day,
  CAST(EXTRACT(isodow FROM o.order_date) AS INTEGER) - 1 AS weekday,
  CAST(EXTRACT(hour FROM o.order_date) AS INTEGER) AS order_hour,
  o.promised_delivery_date,
  o.actual_delivery_date,
  o.status,
  o.payment_mode,
  o.amount,
  o.failure_reason,
  rs.reason_code,
  rs.reason_category,
  rs.reason_severity,
  wl.warehouse_id,
  w.city AS warehouse_city,
  w.capacity AS warehouse_capacity,
  wl.picking_start,
  wl.picking_end,
  wl.dispatch_time,
  (epoch(wl.picking_end) - epoch(wl.picking_start)) / 60.0 AS picking_minutes,
  (epoch(wl.dispatch_time) - epoch(wl.picking_end)) / 60.0 AS dispatch_wait_minutes,
  wl.notes AS warehouse_notes,
  coalesce(wl._n, 0) AS warehouse_log_count,
  fl.driver_id,
  d.partner_company,
  fl.vehicle_number,
  fl.route_code,
  fl.gps_delay_notes,
  fl.departure_time,
  fl.arrival_time,
  (epoch(fl.arrival_time) - epoch(fl.departure_time)) / 3600.0 AS transit_hours,
  coalesce(fl._n, 0) AS attempts,
  ef.traffic_condition,
  ef.weather_condition,
  ef.event_type,
  coalesce(ef._n, 0) AS external_count,
  fb.feedback_text,
  th.feedback_theme,
  fb.sentiment,
  fb.rating,
  coalesce(fb._n, 0) AS feedback_count,
  o.status IN ('Delivered', 'Failed', 'Returned') AS is_closed,
  o.status IN ('Pending', 'In-Transit') AS is_open,
  o.status = 'Delivered' AS is_delivered,
  o.status = 'Failed' AS is_failed,
  o.status = 'Returned' AS is_returned,
  (o.status = 'Delivered' AND o.actual_delivery_date > o.promised_delivery_date) AS is_late,
  CASE WHEN o.status = 'Delivered' AND o.actual_delivery_date IS NOT NULL
       THEN (epoch(o.actual_delivery_date) - epoch(o.promised_delivery_date)) / 3600.0 END
    AS delay_hours,
  (o.status IN ('Pending', 'In-Transit') AND o.promised_delivery_date < clock.as_of) AS is_overdue,
  (o.status = 'Delivered' AND coalesce(fl._n, 0) <= 1) AS first_attempt_delivered
FROM orders o
CROSS JOIN clock
LEFT JOIN clients c ON c.client_id = o.client_id
LEFT JOIN wl ON wl.order_id = o.order_id
LEFT JOIN warehouses w ON w.warehouse_id = wl.warehouse_id
LEFT JOIN fl ON fl.order_id = o.order_id
LEFT JOIN drivers d ON d.driver_id = fl.driver_id
LEFT JOIN ef ON ef.order_id = o.order_id
LEFT JOIN fb ON fb.order_id = o.order_id
LEFT JOIN themes th ON th.feedback_text = fb.feedback_text
LEFT JOIN reasons rs ON rs.reason_key = lower(trim(o.failure_reason))
WHERE {ids.replace("order_id", "o.order_id")}
"""


def build_fact_sql() -> str:
    """The statement that (re)creates the fact table."""
    return f"CREATE OR REPLACE TABLE {FACT_TABLE} AS {fact_select_sql()}"
