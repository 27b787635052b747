"""Dashboard page loads in headless Chromium, one command:
``python bench/web_pages.py [--orders 1000000] [--repeats 5] [--db PATH]``.

Generates (or reuses) ``--orders`` orders under ``bench/data/``, ingests them once into a store
there (kept for later runs), starts ``dfras serve`` on it and opens every dashboard page in one
browser context at 1366×768: a first visit (the chart library is fetched and cached, as in a
person's browser), then ``--repeats`` timed visits. A page's load is navigation start to the
end of its load event (charts are drawn by then); the slow analyses that arrive after the page
(the explorer's explanation, the comparison) and an asked question are timed separately, each
on a warm server cache and on a cold one (a selection not asked before). Prints Markdown and
writes ``bench/results/web-pages.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOAD_JS = (
    "() => { const n = performance.getEntriesByType('navigation')[0];"
    " return (n.loadEventEnd - n.startTime) / 1000; }"
)


def ensure_store(orders: int, seed: int, data_root: Path) -> Path:
    data = data_root / f"orders-{orders}-seed{seed}"
    if not (data / "truth.json").exists():
        data.mkdir(parents=True, exist_ok=True)
        cmd = [str(BIN / "dfras"), "generate", str(data), "--orders", str(orders)]
        subprocess.run([*cmd, "--seed", str(seed)], check=True, stdout=subprocess.DEVNULL)
    db = data_root / f"web-{orders}-seed{seed}.duckdb"
    if not db.exists():
        started = time.perf_counter()
        cmd = [str(BIN / "dfras"), "--db", str(db), "ingest", str(data)]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        print(f"ingested {orders:,} orders in {time.perf_counter() - started:.0f} s")
    return db


def serve(db: Path) -> tuple[subprocess.Popen[bytes], str]:
    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "dfras", "--db", str(db), "serve", "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("dfras serve did not start")


def pages(url: str) -> list[tuple[str, str]]:
    """Every page in the navigation, with real names from the store."""
    import httpx

    order = httpx.get(f"{url}/api/v1/orders", params={"outcome": "failure", "page_size": 1})
    order_id = order.json()["items"][0]["order_id"]
    found = [
        ("overview", "/"),
        ("explore", "/explore"),
        ("explore, one city", "/explore?city=Mumbai"),
        ("ask", "/ask"),
        ("orders", "/orders?outcome=failure"),
        ("order", f"/orders/{order_id}"),
        ("compare", "/compare?a_city=Mumbai&b_city=Pune"),
        ("quality", "/quality"),
    ]
    html = httpx.get(f"{url}/").text
    for path, name in (
        ("/patterns", "patterns"),
        ("/alerts", "alerts"),
        ("/simulate", "simulate"),
        ("/reports", "reports"),
    ):
        if f'href="{path}"' in html:
            found.append((name, path))
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--orders", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--db", type=Path, help="an existing store (skips generate and ingest)")
    ap.add_argument("--data-dir", type=Path, default=ROOT / "bench" / "data")
    ap.add_argument("--chromium", default=os.environ.get("DFRAS_CHROMIUM", "/usr/bin/chromium"))
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    args.data_dir.mkdir(parents=True, exist_ok=True)
    db = args.db or ensure_store(args.orders, args.seed, args.data_dir)
    proc, url = serve(db)
    results: dict[str, Any] = {"pages": {}, "after_page": {}}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, args=ARGS)
            context = browser.new_context(viewport={"width": 1366, "height": 768})
            page = context.new_page()
            page.set_default_timeout(600_000)
            for name, path in pages(url):
                page.goto(url + path, wait_until="load")  # first visit: fills the cache
                first = float(page.evaluate(LOAD_JS))
                times = []
                for _ in range(args.repeats):
                    page.goto(url + path, wait_until="load")
                    times.append(float(page.evaluate(LOAD_JS)))
                results["pages"][name] = {
                    "path": path,
                    "first": round(first, 3),
                    "median": round(statistics.median(times), 3),
                    "max": round(max(times), 3),
                }
            for name, path, selector in (
                ("explanation, all orders", "/explore?period=last+month", "#explanation"),
                ("explanation, one city", "/explore?city=Pune&period=last+month", "#explanation"),
                ("comparison", "/compare?a_city=Chennai&b_city=Pune", "#comparison"),
            ):
                for state in ("cold", "warm"):
                    started = time.perf_counter()
                    page.goto(url + path, wait_until="load")
                    page.wait_for_selector(f"{selector}[data-loaded]")
                    seconds = time.perf_counter() - started
                    results["after_page"][f"{name} ({state})"] = round(seconds, 3)
            for state in ("cold", "warm"):
                started = time.perf_counter()
                page.goto(url + "/ask?q=Why+were+deliveries+delayed+in+Chennai+yesterday%3F")
                results["after_page"][f"ask: delayed in Chennai yesterday ({state})"] = round(
                    time.perf_counter() - started, 3
                )
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    results.update(
        store=str(db),
        machine=f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        load=os.getloadavg(),
        repeats=args.repeats,
    )
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "web-pages.json").write_text(json.dumps(results, indent=1))
    print("| page | first visit (s) | median (s) | max (s) |\n| --- | --- | --- | --- |")
    for name, r in results["pages"].items():
        print(f"| {name} (`{r['path']}`) | {r['first']:.2f} | {r['median']:.2f} | {r['max']:.2f} |")
    print("\n| after the page | seconds |\n| --- | --- |")
    for name, seconds in results["after_page"].items():
        print(f"| {name} | {seconds:.2f} |")
    print(f"\nload average at the end: {results['load']}")


if __name__ == "__main__":
    main()
