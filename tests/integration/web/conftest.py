"""A real ``dfras serve`` on a generated store, and headless Chromium driven by Playwright.

The store (12,000 generated orders with planted causes) is generated and ingested once per
session; one server and one browser serve every test. Screenshots go to
``test-artifacts/screenshots/`` and page-load figures to ``test-artifacts/page-loads.json``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "test-artifacts"
SHOTS = ARTIFACTS / "screenshots"
CHROMIUM = os.environ.get("DFRAS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORTS = {"laptop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
ORDERS = 12_000
#: Navigation start to ready: the load event has ended and the charts on the first screen
#: are drawn.
READY_JS = """async () => {
  const nav = performance.getEntriesByType('navigation')[0];
  const onScreen = [...document.querySelectorAll('.plot[data-chart]')].filter(e => {
    const r = e.getBoundingClientRect();
    return r.top < window.innerHeight && r.bottom > 0;
  });
  const started = performance.now();
  while (onScreen.some(e => !e.hasAttribute('data-drawn')) && performance.now() - started < 30000) {
    await new Promise(r => setTimeout(r, 10));
  }
  const drawn = Math.max(0, ...onScreen.map(e => parseFloat(e.getAttribute('data-drawn')) || 0));
  return Math.max(nav.loadEventEnd - nav.startTime, drawn) / 1000;
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, base_url: str, process: subprocess.Popen[bytes], db: Path) -> None:
        self.base_url = base_url
        self.process = process
        self.db = db


def start_server(db: Path) -> Server:
    """``dfras --db DB serve`` on a free port, once it answers its health check."""
    port = _free_port()
    cmd = [sys.executable, "-m", "dfras", "--db", str(db), "serve", "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dfras serve exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                return Server(url, proc, db)
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("dfras serve did not answer within 30 s")


@pytest.fixture(scope="session")
def web_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated data set, ingested once (fact, causes and summaries included)."""
    from dfras.generate import generate
    from dfras.ingest.service import ingest_paths
    from dfras.store import open_store

    folder = tmp_path_factory.mktemp("web")
    generate(folder / "data", orders=ORDERS, seed=11)
    db = folder / "store.duckdb"
    store = open_store(str(db))
    try:
        report = ingest_paths(store, [folder / "data"])
        assert not report.rejected
    finally:
        store.close()
    # an alert rule, evaluated once, so the overview and the alerts list have real alerts
    rule = ["--kind", "threshold", "--outcome", "failure", "--metric", "rate", "--above", "0.05"]
    rule += ["--period", "past 30 days", "--group-by", "city", "--severity", "high"]
    cmd = [
        sys.executable,
        "-m",
        "dfras",
        "--db",
        str(db),
        "alerts",
        "rules",
        "add",
        "city-failures",
    ]
    subprocess.run([*cmd, *rule], check=True, stdout=subprocess.DEVNULL)
    from dfras.alerts import service as alerts_service

    store = open_store(str(db))
    try:
        alerts_service.evaluate(store)
    finally:
        store.close()
    return db


@pytest.fixture(scope="session")
def server(web_store: Path) -> Iterator[Server]:
    srv = start_server(web_store)
    yield srv
    srv.process.terminate()
    srv.process.wait(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is a dev dependency")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (set DFRAS_CHROMIUM)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Visit:
    """One browser page at one viewport, recording console errors and load times."""

    def __init__(self, page: Any, base_url: str, viewport: str, loads: list[dict[str, Any]]):
        self.page = page
        self.base_url = base_url
        self.viewport = viewport
        self.loads = loads
        self.errors: list[str] = []
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)

    def open(self, path: str, name: str | None = None) -> float:
        """Go to ``path``; returns and records its time to ready (see :meth:`record`)."""
        self.page.goto(self.base_url + path, wait_until="load")
        return self.record(name or path)

    def record(self, name: str) -> float:
        """Seconds from navigation start until the page is ready: loaded, and every chart on
        its first screen drawn (charts further down are drawn as they scroll in)."""
        seconds = float(self.page.evaluate(READY_JS))
        self.loads.append({"page": name, "viewport": self.viewport, "seconds": round(seconds, 3)})
        return seconds

    def draw_all(self) -> int:
        """Draw every chart now (they are drawn lazily as they near the viewport)."""
        self.page.wait_for_function("window.Plotly !== undefined && window.dfras !== undefined")
        return int(self.page.evaluate("window.dfras.drawAll()"))

    def shot(self, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        if self.page.locator(".plot[data-chart]").count():
            self.draw_all()
        path = SHOTS / f"{name}-{self.viewport}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture(scope="session")
def page_loads() -> Iterator[list[dict[str, Any]]]:
    loads: list[dict[str, Any]] = []
    yield loads
    if loads:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "page-loads.json").write_text(json.dumps(loads, indent=1))


@pytest.fixture(scope="session")
def contexts(browser: Any) -> Iterator[dict[str, Any]]:
    """One browser context per viewport for the whole session: like a person's browser, it
    keeps the chart library in its cache after the first page."""
    made = {name: browser.new_context(viewport=size) for name, size in VIEWPORTS.items()}
    yield made
    for context in made.values():
        context.close()


def _visit(
    contexts: dict[str, Any], viewport: str, server: Server, loads: list[dict[str, Any]]
) -> Iterator[Visit]:
    page = contexts[viewport].new_page()
    page.set_default_timeout(20_000)
    yield Visit(page, server.base_url, viewport, loads)
    page.close()


@pytest.fixture(params=list(VIEWPORTS))
def visit(
    request: pytest.FixtureRequest,
    contexts: dict[str, Any],
    server: Server,
    page_loads: list[dict[str, Any]],
) -> Iterator[Visit]:
    """A page at a laptop and at a phone width."""
    yield from _visit(contexts, request.param, server, page_loads)


@pytest.fixture
def laptop(
    contexts: dict[str, Any], server: Server, page_loads: list[dict[str, Any]]
) -> Iterator[Visit]:
    yield from _visit(contexts, "laptop", server, page_loads)


@pytest.fixture(scope="session")
def failed_order(web_store: Path, server: Server) -> int:
    """A failed order of the store (read through the server's own API)."""
    r = httpx.get(f"{server.base_url}/api/v1/orders", params={"outcome": "failure", "page_size": 1})
    r.raise_for_status()
    return int(r.json()["items"][0]["order_id"])
