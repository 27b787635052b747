"""API load benchmark, one command: ``python bench/load.py [--store S] [--clients 50] [--seconds 30]``.

Starts ``dfras serve`` on a copy of a 1M-order store (built by ``bench/run.py``'s
``ensure_store`` when absent), then:
1. uncached explanations: ``POST /api/v1/explanations`` for scopes never asked before, timed from
   the request to the finished job (the background path a new selection takes);
2. order detail one request at a time (uncached), the per-request cost alone;
3. load, twice: ``--clients`` concurrent asyncio+aiohttp clients for ``--seconds`` on the cached
   views only (overview and explorer order lists, warmed into the cache first as the
   dashboard's are), then on those plus order detail for ids drawn from a pool (not warmed:
   first hits compute);
   latency percentiles per endpoint and overall, throughput, cache hit share, and the CPU
   seconds of the load generator and of the server against the machine's capacity, with
   ``uptime`` load before and after (the machine may be shared).
Results are printed as Markdown and written to ``bench/results/``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

ROOT = Path(__file__).resolve().parents[1]

OVERVIEW_SCOPES: list[dict[str, Any]] = [
    {},
    {"period": "past week"},
    {"period": "last month"},
    {"city": "Mumbai"},
    {"city": "Delhi"},
    {"city": "Bengaluru", "period": "past 30 days"},
    {"warehouse_id": 3},
    {"partner_company": "In-house"},
    {"client_id": 7},
    {"start": "2025-06-01", "end": "2025-06-30"},
]
EXPLORER_QUERIES: list[dict[str, Any]] = [
    {},
    {"outcome": "failure"},
    {"outcome": "late", "sort": "delay_hours"},
    {"status": "Returned", "page": 2},
    {"city": "Mumbai", "outcome": "failure"},
    {"sort": "amount", "order": "asc"},
    {"outcome": "failure", "page": 3, "page_size": 100},
    {"period": "past week"},
    {"warehouse_id": 5, "outcome": "late"},
    {"cause": "Stockout"},
]
EXPLAIN_BODIES: list[dict[str, Any]] = [
    {"outcome": "failure"},
    {"outcome": "late", "scope": {"period": "last month"}},
    {"outcome": "return", "scope": {"city": ["Mumbai", "Delhi"]}},
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (and its threads) from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))] if s else float("nan")


def start(store: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DFRAS_SCHEDULE_TICK": "0"}
    cmd = [sys.executable, "-m", "dfras", "--db", str(store), "serve", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the server did not start")


def orders_sequential(base: str, ids: list[int]) -> dict[str, float]:
    """One client, one order detail at a time (uncached): the per-request cost alone."""
    lat = []
    with httpx.Client(base_url=base, timeout=120) as c:
        for oid in ids:
            t0 = time.perf_counter()
            c.get(f"/api/v1/orders/{oid}").raise_for_status()
            lat.append((time.perf_counter() - t0) * 1000)
    return {"n": len(lat), "p50_ms": round(pct(lat, 0.5), 1), "p95_ms": round(pct(lat, 0.95), 1)}


def explain_uncached(base: str, pid: int) -> list[dict[str, Any]]:
    out = []
    with httpx.Client(base_url=base, timeout=120) as c:
        for body in EXPLAIN_BODIES:
            t0, cpu0 = time.perf_counter(), cpu_seconds(pid)
            r = c.post("/api/v1/explanations", json=body)
            job = r.json()
            status = r.status_code
            while status == 202 and job["status"] in ("queued", "running"):
                time.sleep(0.05)
                job = c.get(f"/api/v1/explanations/{job['id']}").json()
            wall = time.perf_counter() - t0
            out.append(
                {
                    "body": body,
                    "first_status": status,
                    "job_status": job.get("status"),
                    "seconds": round(wall, 3),
                    "server_cpu_s": round(cpu_seconds(pid) - cpu0, 2),
                }
            )
    return out


async def load(
    base: str, clients: int, seconds: float, order_ids: list[int], kinds: tuple[str, ...]
) -> dict[str, Any]:
    """``clients`` closed-loop clients (each sends its next request when the last is answered)
    over one aiohttp session: aiohttp costs the generator about half the CPU per request
    httpx does, which matters when generator and server share two cores."""
    import aiohttp

    records: list[tuple[str, float, int, str]] = []
    failures: list[str] = []
    stop_at = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=clients)

    async def worker(rng: random.Random, session: aiohttp.ClientSession) -> None:
        while time.perf_counter() < stop_at:
            kind = rng.choice(kinds)
            if kind == "overview":
                url, params = "/api/v1/overview", rng.choice(OVERVIEW_SCOPES)
            elif kind == "explorer":
                url, params = "/api/v1/orders", rng.choice(EXPLORER_QUERIES)
            else:
                url, params = f"/api/v1/orders/{rng.choice(order_ids)}", {}
            query = [
                (k, str(x)) for k, v in params.items() for x in (v if isinstance(v, list) else [v])
            ]
            t0 = time.perf_counter()
            try:
                async with session.get(url, params=query) as r:
                    await r.read()
                    status, cache = r.status, r.headers.get("x-cache", "")
            except aiohttp.ClientError as exc:  # counted as an error, the run goes on
                failures.append(type(exc).__name__)
                records.append((kind, time.perf_counter() - t0, 599, ""))
                continue
            records.append((kind, time.perf_counter() - t0, status, cache))

    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(base, connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(worker(random.Random(i), session) for i in range(clients)))
    result: dict[str, Any] = {
        "requests": len(records),
        "seconds": seconds,
        "throughput_rps": round(len(records) / seconds, 1),
        "transport_errors": {k: failures.count(k) for k in sorted(set(failures))},
    }
    for kind in (*kinds, "all"):
        lat = [r[1] * 1000 for r in records if kind == "all" or r[0] == kind]
        ok = [r for r in records if (kind == "all" or r[0] == kind)]
        result[kind] = {
            "n": len(lat),
            "p50_ms": round(pct(lat, 0.5), 1),
            "p95_ms": round(pct(lat, 0.95), 1),
            "p99_ms": round(pct(lat, 0.99), 1),
            "errors": sum(1 for r in ok if r[2] >= 500),
            "not_ok": sum(1 for r in ok if not 200 <= r[2] < 300),
            "cache_hits": round(sum(1 for r in ok if r[3] == "hit") / max(len(ok), 1), 3),
        }
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "--store", type=Path, default=ROOT / "bench" / "data" / "orders-1000000-seed1.duckdb"
    )
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--order-pool", type=int, default=2000)
    args = ap.parse_args()
    if not args.store.exists():
        from run import ensure_store

        ensure_store(1_000_000, 1, args.store.parent)
    with tempfile.TemporaryDirectory(dir=args.store.parent) as tmp:
        store = Path(tmp) / "copy.duckdb"
        shutil.copy(args.store, store)
        import duckdb

        con = duckdb.connect(str(store), read_only=True)
        pool = [
            int(r[0])
            for r in con.execute(
                f"SELECT order_id FROM orders USING SAMPLE reservoir({int(args.order_pool)} ROWS) "
                "REPEATABLE (7)"
            ).fetchall()
        ]
        con.close()
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        load_before = uptime()
        t0 = time.perf_counter()
        proc = start(store, port, Path(tmp) / "server.log")
        try:
            with httpx.Client(base_url=base, timeout=300) as c:
                r = c.get("/api/v1/ready")
                ready_s = time.perf_counter() - t0
                assert r.status_code == 200, r.text
                total = c.get("/api/v1/orders", params={"page_size": 1}).json()["total"]
            print("explaining (uncached)", file=sys.stderr)
            explains = explain_uncached(base, proc.pid)
            print(explains, file=sys.stderr)
            with httpx.Client(base_url=base, timeout=300) as c:  # warm the cached views
                for p in OVERVIEW_SCOPES:
                    c.get("/api/v1/overview", params=p)
                for p in EXPLORER_QUERIES:
                    c.get("/api/v1/orders", params=p)
            print("load", file=sys.stderr)
            sequential = orders_sequential(base, pool[-20:])
            runs = {}
            for name, kinds in (
                ("cached views", ("overview", "explorer")),
                ("mixed", ("overview", "explorer", "order")),
            ):
                cpu_server0, cpu_gen0, w0 = cpu_seconds(proc.pid), own_cpu(), time.perf_counter()
                result = asyncio.run(load(base, args.clients, args.seconds, pool[:-20], kinds))
                wall = time.perf_counter() - w0
                cpu_server = cpu_seconds(proc.pid) - cpu_server0
                cpu_gen = own_cpu() - cpu_gen0
                cores = os.cpu_count() or 1
                result["cpu"] = {
                    "cores": cores,
                    "wall_s": round(wall, 1),
                    "server_cpu_s": round(cpu_server, 1),
                    "load_generator_cpu_s": round(cpu_gen, 1),
                    "load_generator_share_of_machine": round(cpu_gen / (wall * cores), 3),
                    "server_share_of_machine": round(cpu_server / (wall * cores), 3),
                }
                result["uptime_after"] = uptime()
                runs[name] = result
        finally:
            alive = proc.poll() is None
            proc.terminate()
            proc.wait(timeout=30)
            log_tail = [
                line
                for line in (Path(tmp) / "server.log").read_text(errors="replace").splitlines()
                if '"msg": "request"' not in line
            ][-20:]
        out = {
            "benchmark": "serve",
            "date": datetime.now().isoformat(timespec="seconds"),
            "orders": total,
            "clients": args.clients,
            "first_ready_s": round(ready_s, 2),
            "explain_uncached": explains,
            "order_detail_sequential": sequential,
            "load": runs,
            "uptime_before": load_before,
            "uptime_after": uptime(),
            "order_pool": len(pool),
            "server_alive_at_end": alive,
            "server_log_tail": log_tail,
        }
    print(json.dumps(out, indent=2))
    res = ROOT / "bench" / "results"
    res.mkdir(parents=True, exist_ok=True)
    (res / f"serve-{datetime.now():%Y%m%d-%H%M%S}.json").write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
