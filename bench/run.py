"""DFRAS benchmarks, one command: ``python bench/run.py [ingest] [--orders N ...]``.

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

from measure import Run, median, run_once

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
    for outcome in ("failure", "late"):
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
        "what", nargs="?", default="all", choices=["all", "ingest", "explain", "causes", "ask"]
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
    }
    chosen = list(benches) if args.what == "all" else [args.what]
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
