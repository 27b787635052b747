"""PostgreSQL tenants benchmark, one command: ``python bench/postgres_tenants.py [--orders N]``.

1. Grouped counting, PostgreSQL vs DuckDB, on the same delivery fact (N orders): a plain
   GROUP BY and the explanation's kind of GROUPING SETS, medians of 5.
2. Tenant-scoped analysis: a database with one tenant of N orders against a database with 10
   tenants of N orders each (the nine others are copies of the first under their own ids).
   As the service role, for a tenant: explain (cold: working copy loaded through RLS; warm:
   cached copy) and the overview KPIs (``summarise``), medians of 3.
Needs PostgreSQL on 127.0.0.1:5432 with trust auth for ``postgres``. Prints Markdown and writes
``bench/results/postgres-<date>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1:5432"
SCHEME = "postgresql"


def url(role: str, db: str) -> str:
    return f"{SCHEME}://{role}@{HOST}/{db}"


def psql(sql: str, db: str = "postgres") -> str:
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-qAtc", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def fresh_db(name: str) -> str:
    psql(
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname='dfras_owner') "
        "THEN CREATE ROLE dfras_owner LOGIN CREATEROLE; END IF; END $$"
    )
    psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    psql(f"CREATE DATABASE {name} OWNER dfras_owner")
    from dfras.store.migrations import runner

    runner.upgrade(url("dfras_owner", name))
    return name


def timed(fn: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=100_000)
    ap.add_argument("--tenants", type=int, default=10)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--reuse", action="store_true", help="measure the databases of an earlier run again"
    )
    args = ap.parse_args()

    from dfras.generate.service import generate

    data = ROOT / "bench" / "data" / f"orders-{args.orders}-seed{args.seed}"
    if not (data / "truth.json").exists():
        data.mkdir(parents=True, exist_ok=True)
        generate(data, orders=args.orders, seed=args.seed)
    results: dict[str, Any] = {
        "date": datetime.now().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_before": os.getloadavg(),
        "orders_per_tenant": args.orders,
        "tenants": args.tenants,
        "reused_databases": args.reuse,
    }

    single, multi = "dfras_bench_single", "dfras_bench_multi"
    if not args.reuse:
        build(args, data, results, single, multi)
    measure_all(args, results, single, multi)


def build(args: Any, data: Path, results: dict[str, Any], single: str, multi: str) -> None:
    from dfras.ingest.service import ingest_paths
    from dfras.store import tenants
    from dfras.store.postgres import PostgresStore, close_pools
    from dfras.store.registry import tenant_tables

    fresh_db(single)
    tenants.add(url("dfras_owner", single), "t00")
    store = PostgresStore(url("dfras_service", single), tenant="t00")
    t = time.perf_counter()
    ingest_paths(store, [data], causes=False)
    results["ingest_seconds_pg"] = round(time.perf_counter() - t, 1)
    store.close()
    close_pools()  # the template database must have no connections

    psql(f"DROP DATABASE IF EXISTS {multi} WITH (FORCE)")
    psql(f"CREATE DATABASE {multi} TEMPLATE {single} OWNER dfras_owner")
    owner = PostgresStore(url("dfras_owner", multi), tenant="t00", check_tenant=False)
    names = tenant_tables(owner)
    owner.close()
    for i in range(1, args.tenants):
        tid = f"t{i:02d}"
        tenants.add(url("dfras_owner", multi), tid)
        stmts = [f"DELETE FROM store_meta WHERE tenant_id = '{tid}'"]
        for table in names:
            if table in ("status_codes", "failure_reasons"):
                continue
            cols = psql(
                "SELECT string_agg(column_name, ', ' ORDER BY ordinal_position) FROM "
                f"information_schema.columns WHERE table_name = '{table}' AND column_name <> 'tenant_id'",
                multi,
            )
            stmts.append(
                f"INSERT INTO {table} ({cols}, tenant_id) SELECT {cols}, '{tid}' FROM {table} "
                "WHERE tenant_id = 't00'"
            )
        psql("; ".join(stmts), multi)  # as the superuser: copying is the admin's job here
    psql("VACUUM ANALYZE", multi)
    psql("VACUUM ANALYZE", single)


def measure_all(args: Any, results: dict[str, Any], single: str, multi: str) -> None:
    from dfras.analysis.explain import explain
    from dfras.kpi.summary import summarise
    from dfras.store import working
    from dfras.store.postgres import PostgresStore, close_pools

    # 1. grouped counting, PostgreSQL vs DuckDB, same rows
    pg = PostgresStore(url("dfras_service", single), tenant="t00")
    copy = working.working_copy(pg)
    grouped = {
        "group_by": "SELECT city, status, count(*) FROM delivery_fact GROUP BY city, status",
        "grouping_sets": (
            "SELECT city, warehouse_id, partner_company, route_code, weather_condition, "
            "count(*), sum(CASE WHEN is_failed THEN 1 ELSE 0 END) FROM delivery_fact "
            "GROUP BY GROUPING SETS ((city), (warehouse_id), (partner_company), (route_code), "
            "(weather_condition), (city, weather_condition), (warehouse_id, partner_company), "
            "(route_code, weather_condition))"
        ),
    }
    results["grouped"] = {}
    for name, sql in grouped.items():
        a = timed(lambda s=sql: pg.fetchall(s), 5)
        b = timed(lambda s=sql: copy.fetchall(s), 5)
        results["grouped"][name] = {
            "postgres_ms": round(a * 1000, 1),
            "duckdb_ms": round(b * 1000, 1),
            "ratio": round(a / b, 1),
        }
    pg.close()

    # 2. tenant-scoped explain and KPIs: single-tenant database vs 10-tenant database
    def measure(db: str, tenant: str) -> dict[str, float]:
        s = PostgresStore(url("dfras_service", db), tenant=tenant)

        def cold_explain() -> None:
            working.clear()
            explain(s)

        def cold_copy() -> None:
            working.clear()
            working.working_copy(s)

        cpu = time.process_time()
        cold_explain()
        cpu_cold = time.process_time() - cpu  # this process's CPU (all threads), not the server's
        out = {
            "explain_cold_cpu_s": cpu_cold,
            "copy_cold_s": timed(cold_copy, 3),
            "explain_cold_s": timed(cold_explain, 3),
            "explain_warm_s": timed(lambda: explain(s), 3),
            "kpi_warm_s": timed(lambda: summarise(s), 3),
        }
        working.clear()
        out["kpi_cold_s"] = timed(lambda: (working.clear(), summarise(s)), 3)
        s.close()
        return {k: round(v, 3) for k, v in out.items()}

    results["load_during"] = os.getloadavg()
    results["single_t00"] = measure(single, "t00")
    results["multi_t00"] = measure(multi, "t00")
    results["multi_t05"] = measure(multi, f"t{min(5, args.tenants - 1):02d}")
    results["ratios_multi_vs_single"] = {
        k: round(results["multi_t05"][k] / results["single_t00"][k], 2)
        for k in results["single_t00"]
    }
    results["load_after"] = os.getloadavg()
    close_pools()
    out = ROOT / "bench" / "results" / f"postgres-{datetime.now():%Y%m%d-%H%M}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    print(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
