"""Features of the failure-risk model, in SQL: only what is known before an order's outcome.

One row per order of the delivery fact with the order's own attributes (where, for whom, when,
how it is paid), the conditions recorded for it (traffic, weather, event), what the warehouse
and fleet logs show before delivery (picking minutes, dispatch wait, the partner that took it
out) and **history rates**: the failure rate of the order's client, warehouse, city, pincode area
and customer among orders *closed strictly before this order was placed*. The history is an
as-of join done with one running window per entity over a stream of two kinds of event (an
order closes / an order is placed), so an order's features never see its own outcome nor any
outcome recorded after it was placed. Never used: status, delivery date, failure reason,
feedback, attempts, arrival or transit times.

Written once in the canonical dialect (window functions, ``UNION ALL``, ``CASE``), so PostgreSQL
and Spark get it through :func:`dfras.query.dialect.compile_sql`.
"""

from __future__ import annotations

from dfras.query.fact import FACT_TABLE

#: Entities whose failure history is a feature: name -> SQL key over the fact.
HISTORY_KEYS: dict[str, str] = {
    "client": "CAST(client_id AS VARCHAR)",
    "warehouse": "CAST(warehouse_id AS VARCHAR)",
    "city": "city",
    "pincode_area": "pincode_area",
    "customer": "customer_phone",
}
#: Pseudo-count of the shrinkage of an entity's history rate towards the overall history rate.
HISTORY_PRIOR_WEIGHT = 20.0

#: Categorical features (text, coded against the training vocabulary).
CATEGORICAL: tuple[str, ...] = (
    "city",
    "warehouse_id",
    "payment_mode",
    "traffic_condition",
    "weather_condition",
    "event_type",
    "partner_company",
)
#: Numeric features. History *counts* are left out: they grow with time, so trees would learn
#: the calendar from them and fail on later periods; the shrinkage already weighs thin history.
NUMERIC: tuple[str, ...] = (
    "amount",
    "weekday",
    "order_hour",
    "day_of_month",
    "promised_hours",
    "picking_minutes",
    "dispatch_wait_minutes",
    *(f"{name}_history_rate" for name in HISTORY_KEYS),
)
FEATURES: tuple[str, ...] = CATEGORICAL + NUMERIC

#: The two views of an order the model scores. ``placement``: what is known when the order is
#: placed and routed to its warehouse (its own attributes, the warehouse, history rates);
#: ``dispatched``: everything the logs show once it has left the warehouse as well (picking
#: minutes, dispatch wait, the delivery partner, the conditions recorded at departure).
VIEWS: dict[str, tuple[str, ...]] = {
    "placement": tuple(
        f
        for f in FEATURES
        if f
        not in (
            "traffic_condition",
            "weather_condition",
            "event_type",
            "partner_company",
            "picking_minutes",
            "dispatch_wait_minutes",
        )
    ),
    "dispatched": FEATURES,
}
#: Placement features that exist only once picking has started (a warehouse log exists).
WAREHOUSE_FEATURES: tuple[str, ...] = ("warehouse_id", "warehouse_history_rate")


def _closed_at() -> str:
    """When a closed order's outcome became known: delivery date, else its last fleet record."""
    return (
        "CASE WHEN is_closed THEN coalesce(actual_delivery_date, arrival_time, departure_time, "
        "promised_delivery_date) END"
    )


def _history_cte(name: str, key: str) -> str:
    """Failures and closed orders of the entity before each order was placed.

    Events are sorted by time with placements before closures at the same instant, so the
    count is strictly before the order's placement.
    """
    return f"""h_{name} AS (
  SELECT order_id, n AS {name}_n, k AS {name}_k FROM (
    SELECT order_id, kind,
      sum(closed) OVER (PARTITION BY ekey ORDER BY t, kind ROWS UNBOUNDED PRECEDING) AS n,
      sum(failed) OVER (PARTITION BY ekey ORDER BY t, kind ROWS UNBOUNDED PRECEDING) AS k
    FROM (
      SELECT {key} AS ekey, closed_at AS t, 1 AS kind, 1 AS closed,
             CASE WHEN is_failed THEN 1 ELSE 0 END AS failed, NULL AS order_id
      FROM base WHERE closed_at IS NOT NULL
      UNION ALL
      SELECT {key} AS ekey, order_date AS t, 0 AS kind, 0 AS closed, 0 AS failed, order_id
      FROM base
    ) ev
  ) c WHERE kind = 0
)"""


def features_sql(where: str = "TRUE") -> str:
    """Feature rows (plus ``order_id``, ``order_date``, ``is_closed``, ``is_open``, ``status``,
    ``label``) of the orders matching ``where`` (a condition on the fact's columns, alias ``b``).

    History is computed over every order of the fact, then the rows are filtered, so a filter
    never changes an order's features.
    """
    keys = dict(HISTORY_KEYS, overall="'all'")
    ctes = ",\n".join(_history_cte(name, key) for name, key in keys.items())
    w = HISTORY_PRIOR_WEIGHT
    prior = "(CAST(overall_k AS DOUBLE) + 1.0) / (overall_n + 12.0)"
    hist_cols = ",\n  ".join(
        f"CASE WHEN b.{_key_col(name)} IS NULL THEN NULL ELSE "
        f"(h_{name}.{name}_k + {w} * {prior}) / (h_{name}.{name}_n + {w}) END "
        f"AS {name}_history_rate"
        for name in HISTORY_KEYS
    )
    joins = "\n".join(f"LEFT JOIN h_{name} ON h_{name}.order_id = b.order_id" for name in keys)
    return f"""
WITH base AS (
  SELECT *, {_closed_at()} AS closed_at FROM {FACT_TABLE}
),
{ctes}
SELECT
  b.order_id,
  b.order_date,
  b.status,
  b.is_closed,
  b.is_open,
  CASE WHEN b.is_failed THEN 1 ELSE 0 END AS label,
  b.city,
  CAST(b.warehouse_id AS VARCHAR) AS warehouse_id,
  b.departure_time IS NOT NULL AS departed,
  b.payment_mode,
  b.traffic_condition,
  b.weather_condition,
  b.event_type,
  CASE WHEN b.departure_time IS NOT NULL THEN b.partner_company END AS partner_company,
  CAST(b.amount AS DOUBLE) AS amount,
  CAST(b.weekday AS DOUBLE) AS weekday,
  CAST(b.order_hour AS DOUBLE) AS order_hour,
  CAST(EXTRACT(day FROM b.order_date) AS DOUBLE) AS day_of_month,
  (epoch(b.promised_delivery_date) - epoch(b.order_date)) / 3600.0 AS promised_hours,
  CAST(b.picking_minutes AS DOUBLE) AS picking_minutes,
  CAST(b.dispatch_wait_minutes AS DOUBLE) AS dispatch_wait_minutes,
  {hist_cols}
FROM base b
{joins}
WHERE {where}
ORDER BY b.order_date, b.order_id
"""


def _key_col(name: str) -> str:
    return {"client": "client_id", "warehouse": "warehouse_id", "customer": "customer_phone"}.get(
        name, name
    )


def order_days_sql() -> str:
    """Closed orders per order day (for a time-based split), up to a parameter cut-off."""
    return f"""
SELECT CAST(order_date AS DATE) AS day, count(*) AS orders
FROM {FACT_TABLE}
WHERE is_closed AND order_date < ?
GROUP BY 1 ORDER BY 1
"""
