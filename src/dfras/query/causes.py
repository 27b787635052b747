"""Per-order root cause in the engine: evidence features, pattern counts, the result table.

Written once in the canonical (DuckDB) dialect; no order is iterated in Python:
0. ``norms_sql``: the usual stage times (warehouse, route, city medians), small temporary
   tables built first, each by its own statement.
1. ``features_sql``: a temporary table, one row per failed, returned or late order, with the
   records behind it (log ids, every fleet attempt, conditions, feedback, earlier address
   failures of the same phone or pincode), each delay stage against its own norm (the
   warehouse's median picking and dispatch time, the route's median transit, else the
   city's), and the discrete evidence levels the model reads, joined into a ``pattern`` key;
   built in chunks of orders (``order_id % k``) so its memory is bounded at any size.
2. ``pattern_counts_sql``: orders per pattern, all Python sees; it writes back verdicts.
3. ``build_rca_sql``: one ``CREATE OR REPLACE TABLE ... AS SELECT`` joining the verdicts back,
   keeping every analysed order's resolution state.
Thresholds and vocabularies come as a :class:`CauseSqlSpec` (built by the causes service from
:mod:`dfras.causes.evidence`), so this module depends on nothing above it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dfras.query.dialect import literal as _lit
from dfras.query.fact import FACT_TABLE

if TYPE_CHECKING:
    import pyarrow as pa

RCA_TABLE = "root_cause_analysis"
FEATURES_TABLE = "cause_features"
PATTERNS_TABLE = "cause_patterns"
ALGORITHM = "latent-class EM over evidence patterns v1"

#: Feature name -> SQL producing its level (columns of the ``x`` layer below).
_LEVEL_SQL: dict[str, str] = {
    "wh_note": """CASE WHEN coalesce(warehouse_log_count, 0) = 0 THEN 'unknown'
        WHEN nullif(trim(warehouse_notes), '') IS NULL THEN 'none'
        WHEN lower(warehouse_notes) LIKE '%stock%' THEN 'stock'
        WHEN lower(warehouse_notes) LIKE '%system%' THEN 'system'
        WHEN regexp_matches(lower(warehouse_notes), 'slow|pack') THEN 'slow' ELSE 'other' END""",
    "wh_timing": """CASE WHEN picking_minutes IS NULL OR picking_median_min IS NULL THEN 'unknown'
        ELSE CASE (picking_minutes > {slow} * picking_median_min,
                   coalesce(dispatch_wait_minutes > {slow} * dispatch_median_min, FALSE))
          WHEN (TRUE, TRUE) THEN 'both' WHEN (TRUE, FALSE) THEN 'pick_slow'
          WHEN (FALSE, TRUE) THEN 'dispatch_slow' ELSE 'normal' END END""",
    "gps_last": "CASE WHEN attempts = 0 THEN 'unknown' ELSE {note_last} END",
    "gps_earlier": """CASE WHEN attempts = 0 THEN 'unknown' WHEN attempts = 1 THEN 'single'
        WHEN earlier_anf THEN 'anf' WHEN earlier_breakdown THEN 'breakdown'
        WHEN earlier_congestion THEN 'congestion' ELSE 'none' END""",
    "transit": """CASE WHEN transit_hours IS NULL OR transit_norm_h IS NULL THEN 'unknown'
        WHEN transit_hours > {transit} * transit_norm_h THEN 'slow' ELSE 'normal' END""",
    "traffic": """CASE WHEN lower(trim(traffic_condition)) IN ('heavy', 'moderate', 'clear')
        THEN lower(trim(traffic_condition)) ELSE 'unknown' END""",
    "weather": """CASE WHEN lower(trim(weather_condition)) IN ('storm', 'rain', 'fog', 'clear')
        THEN lower(trim(weather_condition)) ELSE 'unknown' END""",
    "event": """CASE WHEN nullif(trim(event_type), '') IS NULL THEN 'none'
        WHEN lower(trim(event_type)) IN ('festival', 'holiday', 'strike')
        THEN lower(trim(event_type)) ELSE 'other' END""",
    "feedback": "coalesce(feedback_theme, 'none')",
    "line2": "CASE WHEN line2_blank THEN 'blank' ELSE 'present' END",
    "addr_history": "CASE WHEN by_phone > 0 THEN 'phone' WHEN by_pincode > 0 THEN 'pincode' "
    "ELSE 'no' END",
    "recorded": "CASE WHEN recorded_key = 'none' THEN 'none' "
    "ELSE coalesce(recorded_cause, 'other') END",
}

#: Fact columns the per-order evidence needs.
_O_COLUMNS = """f.order_id, f.customer_phone, f.city, f.pincode, f.order_date, f.status,
  f.failure_reason, f.reason_code, f.delay_hours, f.warehouse_id, f.picking_minutes,
  f.dispatch_wait_minutes, f.picking_end, f.warehouse_notes, f.warehouse_log_count,
  f.route_code, f.gps_delay_notes, f.transit_hours, f.attempts, f.traffic_condition,
  f.weather_condition, f.event_type, f.feedback_text, f.feedback_theme, f.sentiment, f.rating"""

#: Delay stage -> (its hours, its norm's hours) among the feature columns; reattempt's norm is 0.
_STAGE_HOURS: dict[str, tuple[str, str | None]] = {
    "picking": ("picking_h", "picking_norm_h"),
    "dispatch": ("dispatch_h", "dispatch_norm_h"),
    "transit": ("transit_hours", "transit_norm_h"),
    "reattempt": ("reattempt_h", None),
}


def _excess(stage: str, alias: str) -> str:
    hours, norm = _STAGE_HOURS[stage]
    return f"{alias}.{hours} - {alias}.{norm}" if norm else f"{alias}.{hours}"


@dataclass(frozen=True)
class CauseSqlSpec:
    """What the SQL needs from the cause catalogue: thresholds, vocabularies, pattern keys
    (``reason_keys``: lower-case recorded reason -> the failure cause it names;
    ``pattern_features``: outcome -> the features its pattern is made of)."""

    slow_factor: float
    transit_factor: float
    min_route_attempts: int
    excess_edges: tuple[float, ...]
    excess_levels: tuple[str, ...]
    stages: tuple[str, ...]
    reason_keys: dict[str, str]
    pattern_features: dict[str, tuple[str, ...]]
    late_severity_edges: tuple[float, float]


def _note_class(col: str) -> str:
    return f"""CASE WHEN nullif(trim({col}), '') IS NULL THEN 'none'
        WHEN lower({col}) LIKE '%address%' THEN 'anf' WHEN lower({col}) LIKE '%breakdown%'
        THEN 'breakdown' WHEN regexp_matches(lower({col}), 'congestion|traffic')
        THEN 'congestion' ELSE 'other' END"""


def _bin(expr: str, edges: tuple[float, ...], levels: tuple[str, ...]) -> str:
    pairs = zip(edges, levels, strict=False)
    arms = " ".join(f"WHEN {expr} < {e!r} THEN {_lit(lv)}" for e, lv in pairs)
    return f"CASE WHEN {expr} IS NULL THEN {_lit(levels[0])} {arms} ELSE {_lit(levels[-1])} END"


def _latest(table: str, key: str, order: str) -> str:
    """The id of the row the delivery fact uses (same ordering), and all the order's ids."""
    return f"""SELECT order_id, max({key}) FILTER (WHERE _rn = 1) AS {key},
      list_sort(list({key})) AS {key}s FROM (SELECT order_id, {key}, row_number() OVER
        (PARTITION BY order_id ORDER BY {order}) AS _rn
      FROM {table} WHERE order_id IN (SELECT order_id FROM o)) t GROUP BY order_id"""


WH_NORM = "cause_wh_norm"
ROUTE_NORM = "cause_route_norm"
CITY_NORM = "cause_city_norm"


#: Closed orders' stage times in hours (the population the usual times are taken from).
_CLOSED_STAGES = f"""WITH departures AS (
  SELECT order_id, min(departure_time) AS first_departure FROM fleet_logs GROUP BY order_id
),
closed AS (
  SELECT f.warehouse_id, f.city, f.picking_minutes, f.dispatch_wait_minutes, f.transit_hours,
    (epoch(f.picking_end) - epoch(f.order_date)) / 3600.0 AS picking_h,
    (epoch(d.first_departure) - epoch(f.picking_end)) / 3600.0 AS dispatch_h
  FROM {FACT_TABLE} f LEFT JOIN departures d USING (order_id)
  WHERE f.is_closed
)"""


def norms_sql() -> list[str]:
    """The usual stage times the evidence is measured against (per warehouse, route, city):
    small temporary tables, each built by a statement of its own so that no global aggregate
    shares memory with the per-order evidence query."""
    return [
        f"""CREATE OR REPLACE TEMP TABLE {WH_NORM} AS {_CLOSED_STAGES}
SELECT warehouse_id, median(picking_minutes) AS picking_median_min,
  median(dispatch_wait_minutes) AS dispatch_median_min,
  median(picking_h) AS picking_norm_h, median(dispatch_h) AS dispatch_norm_h
FROM closed WHERE warehouse_id IS NOT NULL GROUP BY warehouse_id""",
        f"""CREATE OR REPLACE TEMP TABLE {ROUTE_NORM} AS
SELECT route_code, median((epoch(arrival_time) - epoch(departure_time)) / 3600.0) AS norm_h,
  count(*) AS n
FROM fleet_logs WHERE arrival_time >= departure_time GROUP BY route_code""",
        f"""CREATE OR REPLACE TEMP TABLE {CITY_NORM} AS {_CLOSED_STAGES}
SELECT city, median(transit_hours) AS norm_h FROM closed WHERE transit_hours >= 0
GROUP BY city""",
    ]


#: How many orders have an outcome to explain (how many chunks the evidence takes).
OUTCOME_ORDERS_SQL = f"SELECT count(*) FROM {FACT_TABLE} WHERE is_failed OR is_returned OR is_late"

#: The temporary tables a refresh leaves behind (dropped at its end).
SCRATCH_TABLES = (WH_NORM, ROUTE_NORM, CITY_NORM)


def features_sql(spec: CauseSqlSpec, chunk: tuple[int, int] = (0, 1)) -> str:
    """The temporary per-order evidence table of the outcome orders in ``chunk`` = (i, k):
    those with ``order_id % k = i``; the first chunk (re)creates the table, the others append.
    Evidence is per order (the usual times come from :func:`norms_sql`'s tables), so chunks
    are independent and memory is bounded by one chunk's orders and their log rows."""
    keys = ", ".join(f"({_lit(k)}, {_lit(v)})" for k, v in spec.reason_keys.items())
    note_last = _note_class("gps_delay_notes")
    args = {"slow": spec.slow_factor, "transit": spec.transit_factor, "note_last": note_last}
    level_cols = ",\n    ".join(f"{sql.format(**args)} AS x_{n}" for n, sql in _LEVEL_SQL.items())
    excess = {stage: _excess(stage, "s") for stage in spec.stages}
    excess_cols = ",\n    ".join(
        f"{expr} AS excess_{stage}_h,\n    "
        f"{_bin(expr, spec.excess_edges, spec.excess_levels)} AS x_e_{stage}"
        for stage, expr in excess.items()
    )
    floor = "-1e18"
    best = "greatest(" + ", ".join(f"coalesce({e}, {floor})" for e in excess.values()) + ")"
    stage_arms = " ".join(
        f"WHEN coalesce({excess[s]}, {floor}) = {best} THEN {_lit(s)}" for s in spec.stages
    )
    keyed = {
        o: [f"x_{f}" for f in fs] + ["recorded_key"] for o, fs in spec.pattern_features.items()
    }
    keyed["late"] = [*keyed.get("late", []), "late_stage"]
    pattern_arms = " ".join(
        f"WHEN {_lit(o)} THEN concat_ws('|', {', '.join(k)})" for o, k in keyed.items()
    )
    i, k = chunk
    head = (
        f"CREATE OR REPLACE TEMP TABLE {FEATURES_TABLE} AS"
        if i == 0
        else f"INSERT INTO {FEATURES_TABLE}"
    )
    in_chunk = f" AND f.order_id % {int(k)} = {int(i)}" if k > 1 else ""
    return f"""{head}
WITH o AS (
  SELECT {_O_COLUMNS},
    CASE WHEN f.is_failed THEN 'failure' WHEN f.is_returned THEN 'return' ELSE 'late' END
      AS outcome
  FROM {FACT_TABLE} f WHERE (f.is_failed OR f.is_returned OR f.is_late){in_chunk}
),
fl AS (
  SELECT l.*, {_note_class("l.gps_delay_notes")} AS note_class,
    row_number() OVER (PARTITION BY l.order_id
                       ORDER BY l.departure_time DESC NULLS LAST, l.fleet_log_id DESC) AS _rn
  FROM fleet_logs l WHERE l.order_id IN (SELECT order_id FROM o)
),
fa AS (
  SELECT order_id,
    list_sort(list(struct_pack(departure_time := CAST(departure_time AS VARCHAR), fleet_log_id := fleet_log_id,
                               driver_id := driver_id, route_code := route_code,
                               gps_note := gps_delay_notes,
                               hours := round((epoch(arrival_time) - epoch(departure_time))
                                              / 3600.0, 2)))) AS attempt_list,
    bool_or(_rn > 1 AND note_class = 'anf') AS earlier_anf,
    bool_or(_rn > 1 AND note_class = 'breakdown') AS earlier_breakdown,
    bool_or(_rn > 1 AND note_class = 'congestion') AS earlier_congestion,
    min(departure_time) AS first_departure, max(departure_time) AS last_departure
  FROM fl GROUP BY order_id
),
wl AS ({_latest("warehouse_logs", "log_id", "dispatch_time DESC NULLS LAST, picking_start DESC NULLS LAST, log_id DESC")}),
ef AS ({_latest("external_factors", "factor_id", "recorded_at DESC NULLS LAST, factor_id DESC")}),
fb AS ({_latest("feedback", "feedback_id", "created_at DESC NULLS LAST, feedback_id DESC")}),
addr_fail AS (
  SELECT order_id, customer_phone, pincode, order_date FROM {FACT_TABLE}
  WHERE (is_failed OR is_returned)
    AND (lower(gps_delay_notes) LIKE '%address%'
         OR reason_code IN ('Incorrect address', 'Address not found'))
),
by_phone AS (
  SELECT o.order_id, count(*) AS n, list_slice(list_reverse_sort(list(a.order_id)), 1, 5) AS ids
  FROM o JOIN addr_fail a ON a.customer_phone = o.customer_phone AND a.order_date < o.order_date
  GROUP BY o.order_id
),
pin_events AS (
  SELECT order_id, pincode, order_date, 0 AS is_fail FROM o WHERE pincode IS NOT NULL
  UNION ALL SELECT order_id, pincode, order_date, 1 FROM addr_fail WHERE pincode IS NOT NULL
),
by_pincode AS (
  SELECT * FROM (SELECT order_id, is_fail, sum(is_fail) OVER w AS n,
      last_value(CASE WHEN is_fail = 1 THEN order_id END IGNORE NULLS) OVER w AS last_id
    FROM pin_events WINDOW w AS (PARTITION BY pincode ORDER BY order_date, is_fail, order_id
                                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
  ) t WHERE is_fail = 0
),
rk AS (SELECT * FROM (VALUES {keys}) AS t(reason_key, cause)),
s AS (
  SELECT o.*, n.picking_median_min, n.dispatch_median_min, n.picking_norm_h, n.dispatch_norm_h,
    CASE WHEN rn.n >= {spec.min_route_attempts} THEN rn.norm_h ELSE cn.norm_h END
      AS transit_norm_h,
    (epoch(o.picking_end) - epoch(o.order_date)) / 3600.0 AS picking_h,
    (epoch(fa.first_departure) - epoch(o.picking_end)) / 3600.0 AS dispatch_h,
    coalesce((epoch(fa.last_departure) - epoch(fa.first_departure)) / 3600.0, 0.0)
      AS reattempt_h,
    fa.attempt_list, fa.earlier_anf, fa.earlier_breakdown, fa.earlier_congestion,
    wl.log_id AS wh_log_id, wl.log_ids AS wh_log_ids, ef.factor_id, fb.feedback_id,
    coalesce(bp.n, 0) AS by_phone, bp.ids AS earlier_ids, coalesce(bz.n, 0) AS by_pincode,
    bz.last_id AS last_pincode_failure,
    nullif(trim(od.delivery_address_line2), '') IS NULL AS line2_blank,
    coalesce(nullif(lower(trim(o.failure_reason)), ''), 'none') AS recorded_key,
    rk.cause AS recorded_cause
  FROM o
  LEFT JOIN {WH_NORM} n ON n.warehouse_id = o.warehouse_id
  LEFT JOIN {ROUTE_NORM} rn ON rn.route_code = o.route_code
  LEFT JOIN {CITY_NORM} cn ON cn.city = o.city
  LEFT JOIN fa ON fa.order_id = o.order_id LEFT JOIN wl ON wl.order_id = o.order_id
  LEFT JOIN ef ON ef.order_id = o.order_id LEFT JOIN fb ON fb.order_id = o.order_id
  LEFT JOIN by_phone bp ON bp.order_id = o.order_id
  LEFT JOIN by_pincode bz ON bz.order_id = o.order_id
  LEFT JOIN orders od ON od.order_id = o.order_id
  LEFT JOIN rk ON rk.reason_key = lower(trim(o.failure_reason))
),
x AS (
  SELECT s.*, {level_cols},
    {excess_cols},
    CASE WHEN s.outcome = 'late' AND {best} > {floor} THEN CASE {stage_arms} END END
      AS late_stage
  FROM s
)
SELECT x.*, CASE x.outcome {pattern_arms} END AS pattern FROM x
"""


def pattern_counts_sql(features: tuple[str, ...]) -> str:
    """Outcome orders of one outcome (parameter 1) per evidence pattern, with its levels."""
    cols = ", ".join(f"any_value(x_{f}) AS {f}" for f in features)
    return f"""SELECT pattern, {cols}, any_value(recorded_key) AS recorded_key,
  any_value(late_stage) AS late_stage, count(*) AS n
FROM {FEATURES_TABLE} WHERE outcome = ? GROUP BY pattern ORDER BY pattern"""


#: Columns of the per-pattern verdicts Python writes back (JSON lists and objects as text,
#: except ``findings``: a list of (evidence, value, likelihood_ratio) the evidence trail nests).
PATTERN_COLUMNS: tuple[str, ...] = (
    "outcome", "pattern", "primary_cause", "confidence", "contributing_causes",
    "cause_category", "impact_severity", "recorded_posterior", "recorded_reason_status",
    "cause_posteriors", "findings", "preventive_measures",
)  # fmt: skip


def pattern_schema() -> pa.Schema:
    """The Arrow schema of the verdicts table (:data:`PATTERNS_TABLE`)."""
    import pyarrow as pa

    finding = pa.struct(
        [("evidence", pa.string()), ("value", pa.string()), ("likelihood_ratio", pa.float64())]
    )
    special = {
        "confidence": pa.float64(),
        "recorded_posterior": pa.float64(),
        "findings": pa.list_(finding),
    }
    return pa.schema([(name, special.get(name, pa.string())) for name in PATTERN_COLUMNS])


def _round(expr: str, digits: int = 2) -> str:
    return f"round({expr}, {digits})"


#: The records behind an order's cause (features table ``c``, verdicts ``p``), as JSON.
_EVIDENCE_TRAIL = """to_json(struct_pack(
    warehouse_log := CASE WHEN c.wh_log_id IS NULL THEN NULL ELSE struct_pack(
      log_id := c.wh_log_id, log_ids := c.wh_log_ids, warehouse_id := c.warehouse_id,
      note := c.warehouse_notes, picking_minutes := round(c.picking_minutes, 1),
      picking_median := round(c.picking_median_min, 1),
      dispatch_minutes := round(c.dispatch_wait_minutes, 1),
      dispatch_median := round(c.dispatch_median_min, 1)) END,
    fleet_logs := c.attempt_list,
    transit := struct_pack(hours := round(c.transit_hours, 2),
      norm_hours := round(c.transit_norm_h, 2)),
    external_factor := CASE WHEN c.factor_id IS NULL THEN NULL ELSE struct_pack(
      factor_id := c.factor_id, traffic := c.traffic_condition,
      weather := c.weather_condition, event := c.event_type) END,
    feedback := CASE WHEN c.feedback_id IS NULL THEN NULL ELSE struct_pack(
      feedback_id := c.feedback_id, text := c.feedback_text, theme := c.feedback_theme,
      sentiment := c.sentiment, rating := c.rating) END,
    address_history := struct_pack(line2_blank := c.line2_blank,
      same_phone := c.by_phone, same_phone_order_ids := c.earlier_ids,
      same_pincode := c.by_pincode, same_pincode_latest := c.last_pincode_failure),
    findings := p.findings))"""


def _delay_split(stages: tuple[str, ...]) -> str:
    """Late orders: each stage's hours, norm and excess, and its share of the delay hours
    (in proportion to the positive excesses)."""
    positive = {s: f"greatest(coalesce(c.excess_{s}_h, 0), 0)" for s in stages}
    total = " + ".join(positive.values())
    parts = []
    for s in stages:
        hours, norm = _STAGE_HOURS[s]
        share = f"{positive[s]} / nullif({total}, 0)"
        parts.append(
            f"{s} := struct_pack(hours := {_round('c.' + hours)}, "
            f"norm_hours := {_round('c.' + norm) if norm else '0.0'}, "
            f"excess_hours := {_round(f'c.excess_{s}_h')}, share := {_round(share, 3)}, "
            f"delay_hours := {_round(f'{share} * c.delay_hours')})"
        )
    return (
        f"CASE WHEN c.outcome = 'late' THEN to_json(struct_pack("
        f"delay_hours := {_round('c.delay_hours')}, stage := c.late_stage, "
        + ", ".join(parts)
        + ")) END"
    )


def build_rca_sql(spec: CauseSqlSpec) -> str:
    """(Re)write ``root_cause_analysis`` from the features and the pattern verdicts.

    Parameters: the analysis timestamp. The resolution state (status, notes, who resolved it
    and when) of every order already analysed is kept, whatever its cause now is: the team's
    work on an order is not undone by a recompute (its history is in ``resolution_history``).
    The analysis id is kept for orders whose primary cause is unchanged.
    """
    low, high = spec.late_severity_edges
    same = "prev.primary_cause IS NOT DISTINCT FROM p.primary_cause"
    return f"""CREATE OR REPLACE TABLE {RCA_TABLE} AS
WITH prev AS (SELECT * FROM {RCA_TABLE}),
top AS (SELECT coalesce(max(analysis_id), 0) AS m FROM {RCA_TABLE})
SELECT
  CAST(CASE WHEN {same} THEN prev.analysis_id ELSE top.m + c.order_id END AS BIGINT)
    AS analysis_id,
  c.order_id, c.outcome, p.primary_cause, p.contributing_causes, p.cause_category,
  CASE WHEN c.outcome = 'late' THEN
    CASE WHEN c.delay_hours < {low!r} THEN 'Low' WHEN c.delay_hours < {high!r} THEN 'Medium'
         ELSE 'High' END
  ELSE p.impact_severity END AS impact_severity,
  CAST(round(p.confidence, 4) AS DECIMAL(5, 4)) AS confidence_score,
  CAST({_EVIDENCE_TRAIL} AS VARCHAR) AS evidence_trail,
  c.failure_reason AS recorded_reason,
  p.recorded_reason_status,
  CAST({_delay_split(spec.stages)} AS VARCHAR) AS delay_split,
  coalesce(prev.resolution_status, 'Pending') AS resolution_status,
  prev.resolution_notes AS resolution_notes,
  p.preventive_measures,
  '{ALGORITHM}' AS analysis_algorithm,
  CAST(? AS TIMESTAMP) AS analysis_timestamp,
  prev.resolved_at AS resolved_at,
  prev.resolved_by AS resolved_by,
  p.cause_posteriors
FROM {FEATURES_TABLE} c
JOIN {PATTERNS_TABLE} p ON p.outcome = c.outcome AND p.pattern = c.pattern
CROSS JOIN top
LEFT JOIN prev ON prev.order_id = c.order_id"""


def list_causes_sql(where: str, *, outcome: bool, limit: int | None) -> str:
    """Per-order causes of the orders in a scope (``where`` over the fact, alias ``f``)."""
    cond = f"({where})" + (" AND r.outcome = ?" if outcome else "")
    tail = f" LIMIT {int(limit)}" if limit is not None else ""
    return f"""SELECT r.* FROM {RCA_TABLE} r JOIN {FACT_TABLE} f ON f.order_id = r.order_id
WHERE {cond} ORDER BY r.order_id{tail}"""


ORDER_SQL = f"""SELECT order_id, status, order_date, promised_delivery_date,
  actual_delivery_date, failure_reason, delay_hours FROM {FACT_TABLE} WHERE order_id = ?"""


#: Both log tables of one order in one round trip (parameters: the order id, twice): the
#: warehouse rows first, then the fleet rows, each in its table's order above.
def order_logs_sql(count: int) -> str:
    """Warehouse and fleet log rows of ``count`` orders (parameters: the ids, twice), each
    row with its order id, in timeline order within each order."""
    marks = ", ".join("?" for _ in range(count))
    return f"""SELECT order_id, 0 AS part, log_id AS id, warehouse_id, picking_start, picking_end,
  dispatch_time, notes, CAST(NULL AS BIGINT) AS driver_id, CAST(NULL AS VARCHAR) AS route_code,
  CAST(NULL AS VARCHAR) AS gps_delay_notes, CAST(NULL AS TIMESTAMP) AS departure_time,
  CAST(NULL AS TIMESTAMP) AS arrival_time, picking_start AS sort_at
FROM warehouse_logs WHERE order_id IN ({marks})
UNION ALL
SELECT order_id, 1, fleet_log_id, NULL, NULL, NULL, NULL, NULL, driver_id, route_code,
  gps_delay_notes, departure_time, arrival_time, departure_time
FROM fleet_logs WHERE order_id IN ({marks})
ORDER BY order_id, part, sort_at NULLS LAST, id"""


#: One order's log rows (parameters: the id, twice).
ORDER_LOGS_SQL = order_logs_sql(1)

_PICK_KEYS = ("warehouse_id", "picking_start", "picking_end", "dispatch_time", "notes")
_ATTEMPT_KEYS = ("driver_id", "route_code", "gps_delay_notes", "departure_time", "arrival_time")


def split_order_logs(
    rows: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(warehouse log rows, fleet log rows) of :data:`ORDER_LOGS_SQL`'s result, each with its
    own table's column names."""
    picks = [{"log_id": r["id"], **{k: r[k] for k in _PICK_KEYS}} for r in rows if r["part"] == 0]
    attempts = [
        {"fleet_log_id": r["id"], **{k: r[k] for k in _ATTEMPT_KEYS}}
        for r in rows
        if r["part"] == 1
    ]
    return picks, attempts


CAUSE_SQL = f"SELECT * FROM {RCA_TABLE} WHERE order_id = ?"


def causes_sql(count: int) -> str:
    """The stored causes of ``count`` orders (parameters: the ids)."""
    return f"SELECT * FROM {RCA_TABLE} WHERE order_id IN ({', '.join('?' for _ in range(count))})"
