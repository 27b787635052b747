"""The SQL alert rules run (canonical DuckDB dialect, aggregates only, through the Store).

Each rule reads one aggregated result: per-entity outcome counts for a threshold, the
qualifying rows of ``pattern_detections``, a count of open orders at risk. Nothing here
loads orders into Python.
"""

from __future__ import annotations

from typing import Any

from dfras.analysis.outcomes import OUTCOMES
from dfras.analysis.scope import FILTERS, Scope
from dfras.query.fact import FACT_TABLE
from dfras.store.base import Store

#: Most entities a threshold rule reports per evaluation (the worst first).
MAX_ENTITIES = 500

AS_OF = f"SELECT CAST(max(order_date) AS DATE) FROM {FACT_TABLE}"


def outcome_counts(
    store: Store,
    *,
    outcome: str,
    scope: Scope,
    group_by: str | None,
    min_volume: int,
    metric: str,
    above: float,
) -> list[tuple[Any, int, int]]:
    """(entity, orders in the rate, orders with the outcome) for every group that passes the
    volume floor and whose point figure is above the threshold, worst first."""
    o = OUTCOMES[outcome]
    where, params = scope.where()
    entity = FILTERS[group_by] if group_by else "NULL"
    passing = "k > ? * n" if metric == "rate" else "k > ?"
    sql = f"""
SELECT entity, n, k FROM (
  SELECT {entity} AS entity,
         count(*) FILTER (WHERE {o.population}) AS n,
         count(*) FILTER (WHERE {o.population} AND {o.event}) AS k
  FROM {FACT_TABLE} WHERE {where}
  GROUP BY 1
) g
WHERE n >= ? AND {passing} {"AND entity IS NOT NULL" if group_by else ""}
ORDER BY CAST(k AS DOUBLE) / n DESC, k DESC, entity
LIMIT {MAX_ENTITIES}
"""
    rows = store.fetchall(sql, [*params, min_volume, above])
    return [(r[0], int(r[1]), int(r[2])) for r in rows]


def scope_volume(store: Store, *, outcome: str, scope: Scope) -> tuple[int, int]:
    """(orders in the rate, orders with the outcome) over the whole scope."""
    o = OUTCOMES[outcome]
    where, params = scope.where()
    row = store.fetchall(
        f"""SELECT count(*) FILTER (WHERE {o.population}),
                   count(*) FILTER (WHERE {o.population} AND {o.event})
            FROM {FACT_TABLE} WHERE {where}""",
        params,
    )[0]
    return int(row[0] or 0), int(row[1] or 0)


def pattern_rows(store: Store, params: dict[str, Any], as_of: Any) -> list[dict[str, Any]]:
    """Detections of the rule's type at or above its confidence, newest first."""
    conds = ["pattern_type = ?", "coalesce(pattern_confidence, 0) >= ?"]
    args: list[Any] = [params["pattern_type"], params["min_confidence"]]
    for key in ("entity_column", "entity_value", "outcome"):
        if params.get(key) is not None:
            conds.append(f"CAST({key} AS VARCHAR) = ?")
            args.append(str(params[key]))
    if params.get("recent_days") and as_of is not None:
        conds.append("CAST(window_end AS DATE) >= CAST(? AS DATE) - ?")
        args.extend([as_of, int(params["recent_days"])])
    return store.fetch_dicts(
        f"""SELECT pattern_id, pattern_name, pattern_type, pattern_description,
                   CAST(pattern_confidence AS DOUBLE) AS pattern_confidence,
                   entity_column, CAST(entity_value AS VARCHAR) AS entity_value, outcome,
                   window_start, window_end, pattern_metrics
            FROM pattern_detections WHERE {" AND ".join(conds)}
            ORDER BY pattern_confidence DESC, pattern_id LIMIT {MAX_ENTITIES}""",
        args,
    )


def orders_at_risk(
    store: Store, *, scope: Scope, probability: float, examples: int = 10
) -> tuple[int, list[dict[str, Any]]]:
    """Open orders in scope whose latest prediction is at or above ``probability``: the count
    and the riskiest few."""
    where, params = scope.where("f")
    base = f"""
WITH latest AS (
  SELECT order_id, CAST(probability AS DOUBLE) AS probability, model_version, predicted_at,
         row_number() OVER (PARTITION BY order_id ORDER BY predicted_at DESC) AS rn
  FROM order_predictions
)
SELECT l.order_id, l.probability, l.model_version
FROM latest l JOIN {FACT_TABLE} f ON f.order_id = l.order_id
WHERE l.rn = 1 AND f.is_open AND l.probability >= ? AND {where}
"""
    count = int(store.fetchall(f"SELECT count(*) FROM ({base}) x", [probability, *params])[0][0])
    top = store.fetch_dicts(
        f"SELECT * FROM ({base}) x ORDER BY probability DESC, order_id LIMIT {int(examples)}",
        [probability, *params],
    )
    return count, top


def prediction_freshness(store: Store) -> tuple[Any, bool]:
    """(time of the latest prediction, whether it was made on the current data version)."""
    row = store.fetchall(
        """SELECT p.predicted_at, p.data_version = (SELECT value FROM store_meta
                                                  WHERE key = 'data_version')
           FROM order_predictions p ORDER BY p.predicted_at DESC LIMIT 1"""
    )
    return (row[0][0], bool(row[0][1])) if row else (None, False)
