"""Benchmark: one evaluation of a typical set of alert rules on N generated orders.

Usage: ``python bench/alerts.py --orders 1000000 [--seed 1] [--repeats 3] [--data-dir DIR]``

Generates the data set (or reuses ``DIR/orders-N-seedS``), imports it into a store beside it
(reused when already imported; alerts evaluated after import are not part of the figure), then
in a fresh child process per repeat: loads five rules (failure rate per warehouse, per driver,
per client; late rate per city; a quality drop) and times ``alerts.service.evaluate`` twice —
the first evaluation opens the alerts, the second updates them (the steady state of
``dfras monitor``). The operating system reports the child's peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

RULES = [
    ("fail-warehouse", {"outcome": "failure", "above": 0.1, "group_by": "warehouse_id"}),
    ("fail-driver", {"outcome": "failure", "above": 0.1, "group_by": "driver_id"}),
    ("fail-client", {"outcome": "failure", "above": 0.1, "group_by": "client_id"}),
    ("late-city", {"outcome": "late", "above": 0.12, "group_by": "city"}),
]


def ensure_store(orders: int, seed: int, data_root: Path) -> Path:
    from dfras.generate import generate
    from dfras.ingest.service import ingest_paths
    from dfras.store import open_store

    data = data_root / f"orders-{orders}-seed{seed}"
    if not (data / "truth.json").exists():
        data.mkdir(parents=True, exist_ok=True)
        generate(data, orders=orders, seed=seed)
    db = data_root / f"orders-{orders}-seed{seed}.alerts.duckdb"
    ready = data_root / f"orders-{orders}-seed{seed}.alerts.ready"
    if db.exists() and ready.exists():
        return db
    db.unlink(missing_ok=True)
    store = open_store(str(db))
    try:
        started = time.perf_counter()
        ingest_paths(store, [data], causes=False, alerts=False)
        print(f"imported {data} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    finally:
        store.close()
    ready.touch()
    return db


def child(db: str) -> None:
    from dfras.alerts import service
    from dfras.alerts.rules import build_rule, save_rule
    from dfras.store import open_store

    store = open_store(db)
    try:
        for table in (
            "alert_rules",
            "alerts",
            "alert_history",
            "alert_deliveries",
            "alert_rule_state",
        ):
            store.execute(f"DROP TABLE IF EXISTS {table}")
        for name, params in RULES:
            save_rule(
                store,
                build_rule(
                    name=name, kind="threshold", params={**params, "period": "past 30 days"}
                ),
            )
        save_rule(store, build_rule(name="quality", kind="quality_drop", params={"drop": 5}))
        t0 = time.perf_counter()
        first = service.evaluate(store)
        t1 = time.perf_counter()
        service.evaluate(store)
        t2 = time.perf_counter()
    finally:
        store.close()
    print(json.dumps({"first": t1 - t0, "second": t2 - t1, "alerts": first.opened}))


def run_child(db: Path) -> tuple[dict[str, float], float]:
    """(the child's timings, its peak RSS in MB)."""
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"child failed: {err.decode(errors='replace')[-2000:]}")
    return json.loads(out), usage.ru_maxrss / 1024.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "bench" / "data")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    db = ensure_store(args.orders, args.seed, args.data_dir)
    results = [run_child(db) for _ in range(args.repeats)]
    runs = [r[0] for r in results]
    first = [r["first"] for r in runs]
    second = [r["second"] for r in runs]
    print(f"## Alert evaluation, {args.orders:,} orders (seed {args.seed})\n")
    print("| measure | value |\n| --- | --- |")
    print(f"| rules | {len(RULES)} threshold (per warehouse, driver, client, city) + 1 quality |")
    print(f"| alerts opened | {runs[0]['alerts']} |")
    print(
        f"| first evaluation (opens), median of {args.repeats} | {statistics.median(first):.2f} s |"
    )
    print(f"| second evaluation (updates), median | {statistics.median(second):.2f} s |")
    print(f"| min / max of the second | {min(second):.2f} / {max(second):.2f} s |")
    print(f"| peak RSS of the evaluating process | {max(r[1] for r in results):.0f} MB |")


if __name__ == "__main__":
    main()
