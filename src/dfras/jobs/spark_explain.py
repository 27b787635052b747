"""Spark job: build the delivery fact from the lake, recompute every order's root cause, explain
every city, warehouse and partner for a period, and write the results back to the lake's
analytics area.

Runs the same query definitions and the same explain as ``dfras explain``, through
:class:`~dfras.store.spark.SparkStore`; Python sees aggregated counts only. Under
``spark-submit`` the master comes from spark-submit; run directly, ``--master`` (default
``local[*]``) picks it. Example (docs/scale-out.md has the worked example)::

    spark-submit --master spark://host:7077 --driver-memory 2g \\
        "$(python -c 'import dfras.jobs.spark_explain as m; print(m.__file__)')" \\
        --lake /data/lake --period "past month" --outcome failure

Output: the per-order causes as the lake's Spark-built ``root_cause_analysis`` (under
``LAKE/analytics/spark/``, where later sessions and ``dfras --engine spark causes`` read it),
and ``LAKE/analytics/explanations/run=<UTC time>/`` (Parquet, one row per scope and
segment, plus one row per scope with ``segment`` NULL for the scope's totals) and a
``summary.json`` beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dfras.analysis.explain import default_as_of, explain
from dfras.analysis.scope import make_scope
from dfras.causes import service as causes_service
from dfras.fact import service as fact_service
from dfras.store.spark import SparkStore, spark_session

#: Scope kinds the job explains: option name → fact column.
SCOPE_KINDS = {"city": "city", "warehouse_id": "warehouse_id", "partner_company": "partner_company"}


@dataclass
class JobResult:
    run: str
    scopes: int
    significant_scopes: int
    fact_seconds: float
    causes_seconds: float
    cause_orders: int
    seconds: float
    output: str


def run_job(
    store: SparkStore,
    *,
    period: str | None = None,
    outcome: str = "failure",
    min_orders: int = 200,
    kinds: tuple[str, ...] = tuple(SCOPE_KINDS),
    build_fact: bool = True,
    causes: bool = True,
) -> JobResult:
    """Build the fact and recompute the per-order causes (unless told not to), explain the
    whole period and every scope of ``kinds`` with at least ``min_orders`` orders in it, and
    write the results."""
    started = time.perf_counter()
    fact_seconds = fact_service.refresh(store) if build_fact else 0.0
    causes_seconds = causes_service.refresh(store) if causes else 0.0
    cause_orders = int(store.fetchall("SELECT count(*) FROM root_cause_analysis")[0][0])
    as_of = default_as_of(store)
    base = make_scope(period=period, as_of=as_of)
    where, params = base.where()
    scopes: list[tuple[str, Any]] = [("all", None)]
    for kind in kinds:
        col = SCOPE_KINDS[kind]
        rows = store.fetchall(
            f"""SELECT {col}, count(*) FROM delivery_fact WHERE {where} AND {col} IS NOT NULL
                GROUP BY 1 HAVING count(*) >= {int(min_orders)} ORDER BY 1""",
            params,
        )
        scopes += [(kind, r[0]) for r in rows]
    records: list[dict[str, Any]] = []
    significant = 0
    for kind, value in scopes:
        filters = {} if value is None else {kind: value}
        scope = make_scope(period=period, as_of=as_of, **filters)
        explained = explain(store, scope=scope, outcome=outcome)
        significant += bool(explained.significant)
        common = {
            "scope_kind": kind,
            "scope_value": None if value is None else str(value),
            "outcome": outcome,
            "orders": explained.support,
            "outcomes": explained.outcomes,
            "rate": explained.rate,
        }
        records.append(
            {
                **common,
                "segment": None,
                "role": None,
                "support": None,
                "segment_outcomes": None,
                "segment_rate": None,
                "risk_ratio": None,
                "ci_low": None,
                "ci_high": None,
                "q_value": None,
                "excess": None,
            }
        )
        for f in explained.segments:
            records.append(
                {
                    **common,
                    "segment": json.dumps(f.conditions, default=str, sort_keys=True),
                    "role": f.role,
                    "support": f.support,
                    "segment_outcomes": f.outcomes,
                    "segment_rate": f.rate,
                    "risk_ratio": f.risk_ratio,
                    "ci_low": f.ci[0],
                    "ci_high": f.ci[1],
                    "q_value": f.q_value,
                    "excess": f.excess,
                }
            )
    run = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = store.lake / "analytics" / "explanations" / f"run={run}"
    schema = (
        "scope_kind STRING, scope_value STRING, outcome STRING, orders BIGINT, outcomes BIGINT, "
        "rate DOUBLE, segment STRING, role STRING, support BIGINT, segment_outcomes BIGINT, "
        "segment_rate DOUBLE, risk_ratio DOUBLE, ci_low DOUBLE, ci_high DOUBLE, q_value DOUBLE, "
        "excess DOUBLE"
    )
    cols = [c.split()[0] for c in schema.split(", ")]
    rows = [tuple(_plain(r[c]) for c in cols) for r in records]
    store.spark.createDataFrame(rows, schema).coalesce(1).write.parquet(str(out / "results"))
    result = JobResult(
        run=run,
        scopes=len(scopes),
        significant_scopes=significant,
        fact_seconds=fact_seconds,
        causes_seconds=causes_seconds,
        cause_orders=cause_orders,
        seconds=time.perf_counter() - started,
        output=str(out),
    )
    (out / "summary.json").write_text(json.dumps(result.__dict__, indent=1))
    return result


def _plain(value: Any) -> Any:
    """numpy scalars and the like as Python values Spark's row converter takes."""
    if value is None or isinstance(value, str | int | float):
        return value
    return float(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dfras.jobs.spark_explain", description=__doc__)
    parser.add_argument("--lake", required=True, help="lake folder (dfras lake export)")
    parser.add_argument("--period", default=None, help="e.g. 'past month', '2025-08'")
    parser.add_argument("--outcome", default="failure", help="failure, return, late or delay")
    parser.add_argument("--min-orders", type=int, default=200, help="smallest scope explained")
    parser.add_argument(
        "--no-causes",
        action="store_true",
        help="keep the lake's per-order causes instead of recomputing them",
    )
    parser.add_argument(
        "--master",
        default=None,
        help="Spark master when run without spark-submit (default local[*])",
    )
    args = parser.parse_args(argv)
    under_submit = "SPARK_SUBMIT_OPTS" in os.environ or "spark.master" in os.environ.get(
        "PYSPARK_SUBMIT_ARGS", ""
    )
    master = args.master or (None if under_submit else "local[*]")
    store = SparkStore(Path(args.lake), spark=spark_session(master, app_name="dfras-explain"))
    try:
        result = run_job(
            store,
            period=args.period,
            outcome=args.outcome,
            min_orders=args.min_orders,
            causes=not args.no_causes,
        )
    finally:
        store.close()
    print(json.dumps(result.__dict__, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
