"""DFRAS benchmarks, one command: ``python bench/run.py [what] [--orders N ...]``.

simulate: 10,000 Monte Carlo runs of a ~20,000-order month (a generated store of 170,000
orders), engine timed in-process, and ``dfras simulate new-client`` end to end.

patterns: the anomaly, pattern and correlation scan over a generated store (fresh process).

train: ``dfras model train`` on a generated store, process start included.

spark: the fact build, explain and per-order causes on DuckDB and on Spark local over the same data (the lake
exported from the DuckDB store), with the process tree's peak memory and Spark's per-core
throughput: ``python bench/run.py spark --orders 1000000 10000000 --repeats 1 --keep-data``.

ingest: generated data (all eight files) imported by ``dfras ingest`` (validated, atomic, fact
built) against DuckDB's own ``read_csv`` loading the same files raw, alternating A B A B in one
run so machine drift hits both; medians and the per-pair ratio are reported, with peak RSS of
each process. Results are printed as Markdown and written to ``bench/results/``.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import sys
import tempfile
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import Run, median, run_once, run_tree

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def ensure_data(orders: int, seed: int, data_root: Path) -> Path:
    """Generated data for ``orders`` (cached between runs)."""
    out = data_root / f"orders-{orders}-seed{seed}"
    if (out / "truth.json").exists():
        return out
    out.mkdir(parents=True, exist_ok=True)
    run_once(
        [str(BIN / "dfras"), "generate", str(out), "--orders", str(orders), "--seed", str(seed)]
    )
    return out


def count_rows(data: Path) -> int:
    import duckdb

    con = duckdb.connect()
    total = 0
    for f in sorted(data.glob("*.csv")):
        if f.name.startswith("truth"):
            continue
        total += con.execute("SELECT count(*) FROM read_csv(?)", [str(f)]).fetchall()[0][0]
    return int(total)


def bench_ingest(orders: int, repeats: int, seed: int, data_root: Path) -> dict[str, object]:
    data = ensure_data(orders, seed, data_root)
    rows = count_rows(data)
    raw_runs: list[Run] = []
    raw_fact_runs: list[Run] = []
    dfras_runs: list[Run] = []
    ratios: list[float] = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(dir=data_root) as tmp:
            raw = run_once(
                [
                    sys.executable,
                    str(ROOT / "bench" / "raw_load.py"),
                    str(data),
                    f"{tmp}/raw.duckdb",
                ]
            )
            raw_fact = run_once(
                [
                    sys.executable,
                    str(ROOT / "bench" / "raw_load.py"),
                    str(data),
                    f"{tmp}/rawf.duckdb",
                    "--fact",
                ]
            )
            ing = run_once(
                [
                    str(BIN / "dfras"),
                    "--db",
                    f"{tmp}/dfras.duckdb",
                    "ingest",
                    str(data),
                    "--defer-causes",
                    "--format",
                    "json",
                ]
            )
        raw_runs.append(raw)
        raw_fact_runs.append(raw_fact)
        dfras_runs.append(ing)
        ratios.append(ing.wall_s / raw.wall_s)
    result = {
        "benchmark": "ingest",
        "orders": orders,
        "rows": rows,
        "repeats": repeats,
        "raw_read_csv_s": median([r.wall_s for r in raw_runs]),
        "raw_read_csv_plus_fact_s": median([r.wall_s for r in raw_fact_runs]),
        "dfras_ingest_s": median([r.wall_s for r in dfras_runs]),
        "ratio_dfras_to_raw": median(ratios),
        "ratio_min": min(ratios),
        "ratio_max": max(ratios),
        "dfras_rows_per_s": rows / median([r.wall_s for r in dfras_runs]),
        "raw_peak_rss_mb": median([r.peak_rss_mb for r in raw_runs]),
        "dfras_peak_rss_mb": max(r.peak_rss_mb for r in dfras_runs),
    }
    return result


def ensure_store(orders: int, seed: int, data_root: Path) -> Path:
    """A store holding the generated data (built once, reused by the analysis benchmarks)."""
    data = ensure_data(orders, seed, data_root)
    store = data_root / f"orders-{orders}-seed{seed}.duckdb"
    if not store.exists():
        run_once([str(BIN / "dfras"), "--db", str(store), "ingest", str(data), "--format", "json"])
    return store


def bench_explain(orders: int, repeats: int, seed: int, data_root: Path) -> dict[str, object]:
    """``dfras explain`` (whole process) against the bare count of every attribute and pair."""
    store = ensure_store(orders, seed, data_root)
    out: dict[str, object] = {"benchmark": "explain", "orders": orders, "repeats": repeats}
    for outcome in ("failure", "late", "delay"):
        ex: list[Run] = []
        floor: list[Run] = []
        ratios: list[float] = []
        for _ in range(repeats):
            e = run_once(
                [
                    str(BIN / "dfras"),
                    "--db",
                    str(store),
                    "explain",
                    "--outcome",
                    outcome,
                    "--format",
                    "json",
                ]
            )
            f = run_once(
                [sys.executable, str(ROOT / "bench" / "floor_count.py"), str(store), outcome]
            )
            ex.append(e)
            floor.append(f)
            ratios.append(e.wall_s / f.wall_s)
        out[f"{outcome}_explain_s"] = median([r.wall_s for r in ex])
        out[f"{outcome}_floor_count_s"] = median([r.wall_s for r in floor])
        out[f"{outcome}_ratio_explain_to_floor"] = median(ratios)
        out[f"{outcome}_explain_peak_rss_mb"] = max(r.peak_rss_mb for r in ex)
    return out


def bench_train(orders: int, repeats: int, seed: int, data_root: Path) -> dict[str, object]:
    """``dfras model train`` (whole process: features in SQL, both views, calibration,
    metrics, registry) on a store of ``orders`` orders (imported once, causes deferred)."""
    data = ensure_data(orders, seed, data_root)
    store = data_root / f"orders-{orders}-seed{seed}-train.duckdb"
    if not store.exists():
        run_once(
            [
                str(BIN / "dfras"),
                *("--db", str(store), "ingest", str(data), "--defer-causes", "--format", "json"),
            ]
        )
    runs: list[Run] = []
    reports: list[dict[str, object]] = []
    for _ in range(repeats):
        out = data_root / "train-output.json"
        run = run_once(
            [str(BIN / "dfras"), "--db", str(store), "model", "train", "--format", "json"],
            stdout=out,
        )
        runs.append(run)
        reports.append(json.loads(out.read_text()))
    last = reports[-1]
    metrics = last["metrics"]
    assert isinstance(metrics, dict)
    return {
        "benchmark": "train",
        "orders": orders,
        "repeats": repeats,
        "train_process_median_s": median([r.wall_s for r in runs]),
        "train_in_process_median_s": median([float(str(r["seconds"])) for r in reports]),
        "train_cpu_median_s": median([r.cpu_s for r in runs]),
        "train_peak_rss_mb": max(r.peak_rss_mb for r in runs),
        "training_orders": metrics["train"]["orders"],
        "placement_test_auc": metrics["test"]["auc"],
        "placement_test_calibration_error": metrics["test"]["calibration_error"],
        "dispatched_test_auc": metrics["dispatched/test"]["auc"],
    }


SAMPLE = ROOT.parent / "shared" / "sample-data"
QUESTION = "Why were deliveries delayed in Chennai yesterday?"


def bench_ask(orders: int, repeats: int, seed: int, data_root: Path) -> dict[str, object]:
    """``dfras ask`` on the sample data, end to end, process start included."""
    store = data_root / "sample.duckdb"
    if not store.exists():
        run_once(
            [str(BIN / "dfras"), "--db", str(store), "ingest", str(SAMPLE), "--format", "json"]
        )
    runs = [
        run_once([str(BIN / "dfras"), "--db", str(store), "ask", QUESTION, "--format", "json"])
        for _ in range(max(repeats, 5))
    ]
    return {
        "benchmark": "ask",
        "question": QUESTION,
        "runs": len(runs),
        "ask_median_s": median([r.wall_s for r in runs]),
        "ask_min_s": min(r.wall_s for r in runs),
        "ask_max_s": max(r.wall_s for r in runs),
        "ask_peak_rss_mb": max(r.peak_rss_mb for r in runs),
    }


def bench_causes(orders: int, repeats: int, seed: int, data_root: Path) -> dict[str, object]:
    """Per-order causes for the whole store, in a fresh process each time."""
    store = ensure_store(orders, seed, data_root)
    code = (
        "import sys, time; from dfras.store import open_store; from dfras.causes import service; "
        "s = open_store(sys.argv[1]); t = time.perf_counter(); service.refresh(s); "
        "print(time.perf_counter() - t)"
    )
    runs = [run_once([sys.executable, "-c", code, str(store)]) for _ in range(repeats)]
    return {
        "benchmark": "causes",
        "orders": orders,
        "refresh_process_median_s": median([r.wall_s for r in runs]),
        "peak_rss_mb": max(r.peak_rss_mb for r in runs),
    }


def bench_patterns(orders: int, repeats: int, seed: int, data_root: Path) -> dict[str, object]:
    """The pattern scan (series rebuilt, anomalies, trends, seasonal, recurring, events and
    correlations, two anomalies explained, results stored), in a fresh process each time.
    CPU seconds (all threads) are reported beside wall seconds: on a shared machine the wall
    time mostly measures the other processes."""
    store = ensure_store(orders, seed, data_root)
    code = (
        "import sys, time, json; from dfras.store import open_store; "
        "from dfras.patterns import series, service; s = open_store(sys.argv[1]); "
        "c = time.process_time(); t = time.perf_counter(); series.refresh(s); "
        "t1 = time.perf_counter(); r = service.scan(s); t2 = time.perf_counter(); "
        "cpu = time.process_time() - c; "
        "open(sys.argv[2], 'w').write(json.dumps({'series': t1 - t, 'scan': t2 - t1, "
        "'total': t2 - t, 'cpu': cpu, 'found': len(r.detections), "
        "'correlations': len(r.correlations), 'parts': r.seconds}))"
    )
    runs, figures = [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "figures.json"
            runs.append(run_once([sys.executable, "-c", code, str(store), str(out)]))
            figures.append(json.loads(out.read_text()))
    return {
        "benchmark": "patterns",
        "orders": orders,
        "series_refresh_median_s": median([f["series"] for f in figures]),
        "scan_median_s": median([f["scan"] for f in figures]),
        "series_plus_scan_median_s": median([f["total"] for f in figures]),
        "series_plus_scan_cpu_median_s": median([f["cpu"] for f in figures]),
        "process_median_s": median([r.wall_s for r in runs]),
        "parts_last_run_s": {k: round(v, 2) for k, v in figures[-1]["parts"].items()},
        "detections": figures[-1]["found"],
        "correlations": figures[-1]["correlations"],
        "peak_rss_mb": max(r.peak_rss_mb for r in runs),
    }


SIM_ORDERS = 170_000  # about 20,000 orders a month over the generator's 8.4 months


def bench_simulate(orders: int, repeats: int, seed: int, data_root: Path) -> dict[str, object]:
    """10,000 Monte Carlo runs of a ~20,000-order month: the engine alone (in-process timing,
    fit separately), and ``dfras simulate new-client`` end to end (baseline, scenario and
    four mitigations at 2,000 runs each, process start included)."""
    import subprocess

    store = ensure_store(SIM_ORDERS, seed, data_root)
    fits: list[float] = []
    engines: list[float] = []
    cpus: list[float] = []
    info: dict[str, object] = {}
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "simulate.py"), str(store), "10000"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        info = json.loads(out.stdout)
        fits.append(float(info["fit_s"]))  # type: ignore[arg-type]
        engines.append(float(info["engine_s"]))  # type: ignore[arg-type]
        cpus.append(float(info["engine_cpu_s"]))  # type: ignore[arg-type]
    cli = [
        run_once(
            [
                str(BIN / "dfras"),
                "--db",
                str(store),
                "simulate",
                "new-client",
                "--monthly-orders",
                "20000",
                "--city",
                "Chennai",
                "--runs",
                "10000",
                "--no-save",
                "--format",
                "json",
            ]
        )
        for _ in range(repeats)
    ]
    return {
        "benchmark": "simulate",
        "orders_in_store": SIM_ORDERS,
        "month_orders_mean": info.get("month_orders_mean"),
        "cells": info.get("cells"),
        "runs": 10_000,
        "fit_s": median(fits),
        "engine_10k_runs_s": median(engines),
        "engine_min_s": min(engines),
        "engine_10k_runs_cpu_s": median(cpus),
        "cli_new_client_s": median([r.wall_s for r in cli]),
        "cli_peak_rss_mb": max(r.peak_rss_mb for r in cli),
    }


def ensure_lake(orders: int, seed: int, data_root: Path) -> tuple[Path, Path, float]:
    """The store and its lake export (the export timed when it happens)."""
    store = ensure_store(orders, seed, data_root)
    lake = data_root / f"orders-{orders}-seed{seed}-lake"
    seconds = 0.0
    if not (lake / "manifest.json").exists():
        seconds = run_once(
            [str(BIN / "dfras"), "--db", str(store), "lake", "export", str(lake), "-f", "json"]
        ).wall_s
    return store, lake, seconds


def bench_spark(orders: int, repeats: int, seed: int, data_root: Path) -> dict[str, object]:
    """Fact build, explain (failure) and per-order causes on DuckDB and on Spark local,
    alternating, each in a fresh process; peak memory is the whole process tree's (Spark's JVM included)."""
    import os

    store, lake, export_s = ensure_lake(orders, seed, data_root)
    cores = os.cpu_count() or 1
    runs: dict[str, list[dict[str, float]]] = {"duckdb": [], "spark": []}
    for _ in range(repeats):
        for engine, location in (("duckdb", store), ("spark", lake)):
            r = run_tree(
                [sys.executable, str(ROOT / "bench" / "engines.py"), engine, str(location)]
            )
            timing = json.loads(r.stdout.strip().splitlines()[-1])  # type: ignore[attr-defined]
            timing["wall_s"], timing["peak_rss_mb"] = r.wall_s, r.peak_rss_mb
            runs[engine].append(timing)
    out: dict[str, object] = {"benchmark": "spark", "orders": orders, "repeats": repeats}
    if export_s:
        out["lake_export_s"] = export_s
    for engine, rs in runs.items():
        for key in ("startup_s", "fact_s", "explain_s", "causes_s", "wall_s"):
            out[f"{engine}_{key}"] = median([r[key] for r in rs])
        out[f"{engine}_peak_rss_mb"] = max(r["peak_rss_mb"] for r in rs)
    for key in ("fact_s", "explain_s", "causes_s"):
        out[f"ratio_spark_to_duckdb_{key[:-2]}"] = median(
            [s[key] / d[key] for s, d in zip(runs["spark"], runs["duckdb"], strict=True)]
        )
    work = float(out["spark_fact_s"]) + float(out["spark_explain_s"])  # type: ignore[arg-type]
    out["spark_orders_per_core_s"] = orders / work / cores
    out["cores"] = cores
    return out


def machine() -> str:
    import os

    mem = ""
    try:
        with open("/proc/meminfo") as fh:
            kb = int(fh.readline().split()[1])
            mem = f", {kb / 1024 / 1024:.0f} GB RAM"
    except OSError:
        pass
    return f"{platform.machine()}, {os.cpu_count()} cores{mem}, Python {platform.python_version()}"


def to_markdown(result: dict[str, object]) -> str:
    lines = ["| figure | value |", "| --- | --- |"]
    for k, v in result.items():
        lines.append(f"| {k} | {v:,.2f} |" if isinstance(v, float) else f"| {k} | {v} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "what",
        nargs="?",
        default="all",
        choices=[
            "all",
            "ingest",
            "explain",
            "causes",
            "ask",
            "patterns",
            "train",
            "simulate",
            "spark",
        ],
    )
    ap.add_argument("--orders", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data-dir", type=Path, default=ROOT / "bench" / "data")
    ap.add_argument("--keep-data", action="store_true", help="keep generated data for next time")
    args = ap.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    results = []
    benches = {
        "ingest": bench_ingest,
        "explain": bench_explain,
        "causes": bench_causes,
        "ask": bench_ask,
        "patterns": bench_patterns,
        "train": bench_train,
        "simulate": bench_simulate,
        "spark": bench_spark,
    }
    # spark is not part of "all": it needs its own, longer run (docs/benchmarks.md)
    chosen = [b for b in benches if b != "spark"] if args.what == "all" else [args.what]
    for n in args.orders:
        for name in chosen:
            res = benches[name](n, args.repeats, args.seed, args.data_dir)
            res["date"] = datetime.now().isoformat(timespec="seconds")
            res["machine"] = machine()
            results.append(res)
            print(f"\n## {name}, {n:,} orders ({res['machine']}, {res['date']})\n")
            print(to_markdown(res))
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    (out / f"{args.what}-{stamp}.json").write_text(json.dumps(results, indent=2))
    if not args.keep_data:
        shutil.rmtree(args.data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
