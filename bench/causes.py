"""Benchmark: per-order root cause for N generated orders (``refresh`` of the causes).

Usage: ``python bench/causes.py --orders 1000000 [--seed 1] [--repeats 3]``

Generates the data set (or reuses ``bench/data/orders-N-seedS``), imports it into a store
beside it (reused when already imported), then runs ``dfras.causes.service.refresh`` in a fresh
child process ``--repeats`` times: the child reports the refresh's own seconds, the operating
system reports the child's peak resident memory (``os.wait4``). Prints a Markdown table with
the median, and the per-order accuracy against ``truth_orders.csv``.
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
TARGET_S = 15.0


def ensure_data(orders: int, seed: int, data_root: Path) -> Path:
    """Generated data for ``orders`` (cached between runs)."""
    from dfras.generate import generate

    out = data_root / f"orders-{orders}-seed{seed}"
    if not (out / "truth.json").exists():
        out.mkdir(parents=True, exist_ok=True)
        generate(out, orders=orders, seed=seed)
    return out


def ensure_store(data: Path) -> Path:
    """A store with ``data`` imported and the delivery fact built (cached between runs)."""
    from dfras.ingest.service import ingest_paths
    from dfras.store import open_store

    db = data.parent / f"{data.name}.causes.duckdb"
    ready = data.parent / f"{data.name}.causes.ready"
    if db.exists() and ready.exists():
        return db
    db.unlink(missing_ok=True)
    store = open_store(str(db))
    try:
        started = time.perf_counter()
        ingest_paths(store, [data])
        print(f"imported {data} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    finally:
        store.close()
    ready.touch()
    return db


def child(db: str) -> None:
    """Run one refresh and print its seconds (the parent measures memory)."""
    from dfras.causes.service import refresh
    from dfras.store import open_store

    store = open_store(db)
    try:
        seconds = refresh(store)
        counts = store.fetchall("SELECT count(*) FROM root_cause_analysis")[0][0]
    finally:
        store.close()
    print(json.dumps({"seconds": seconds, "orders": counts}))


def run_child(db: Path) -> tuple[float, float, int]:
    """(refresh seconds, peak RSS MB, analysed orders) of one child process."""
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
        raise RuntimeError(f"refresh child failed: {err.decode(errors='replace')[-2000:]}")
    result = json.loads(out)
    return float(result["seconds"]), usage.ru_maxrss / 1024.0, int(result["orders"])


def accuracy(db: Path, truth: Path) -> dict[str, float]:
    """Per-outcome share of primary causes equal to the true cause; recorded reason's too."""
    from dfras.store import open_store

    store = open_store(str(db), read_only=True)
    try:
        rows = store.fetchall(
            """SELECT r.outcome, avg(CAST(r.primary_cause = t.true_cause AS INTEGER)),
                 avg(CAST(r.recorded_reason = t.true_cause AS INTEGER))
               FROM root_cause_analysis r
               JOIN read_csv(?, all_varchar = true) t ON CAST(t.order_id AS BIGINT) = r.order_id
               GROUP BY r.outcome ORDER BY r.outcome""",
            [str(truth)],
        )
    finally:
        store.close()
    out = {f"{o} accuracy": float(a) for o, a, _ in rows}
    for o, _, r in rows:
        if o == "failure":
            out["recorded reason accuracy (failures)"] = float(r)
    return out


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
    data = ensure_data(args.orders, args.seed, args.data_dir)
    db = ensure_store(data)
    runs = [run_child(db) for _ in range(args.repeats)]
    seconds = [r[0] for r in runs]
    median = statistics.median(seconds)
    rows = [
        ("orders", f"{args.orders:,}"),
        ("orders analysed (failed, returned, late)", f"{runs[0][2]:,}"),
        (f"refresh seconds, median of {args.repeats}", f"{median:.2f}"),
        ("refresh seconds, min / max", f"{min(seconds):.2f} / {max(seconds):.2f}"),
        ("peak RSS of the refresh process (MB)", f"{max(r[1] for r in runs):.0f}"),
        ("target", f"≤ {TARGET_S:g} s ({'met' if median <= TARGET_S else 'missed'})"),
    ]
    rows += [(k, f"{v:.4f}") for k, v in accuracy(db, data / "truth_orders.csv").items()]
    print(f"## Per-order root cause, {args.orders:,} orders (seed {args.seed})\n")
    print("| measure | value |\n| --- | --- |")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
