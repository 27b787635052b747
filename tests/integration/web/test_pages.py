"""Every dashboard page loads in headless Chromium at laptop and phone widths, draws its
charts with the bundled library, logs no script error, and is screenshotted."""

from __future__ import annotations

import os
from typing import Any

import httpx

#: Seconds a page (after the first) may take here; see the note in the test.
PAGE_BUDGET = float(os.environ.get("DFRAS_PAGE_BUDGET", "3.0"))

#: (name, path, heading, least number of charts drawn)
PAGES = [
    ("overview", "/", "Overview", 2),
    ("explore", "/explore", "Explore", 6),
    ("ask", "/ask", "Ask", 0),
    ("compare", "/compare?a_partner=Shadowfax", "Compare", 2),
    ("quality", "/quality", "Data quality", 2),
    ("patterns", "/patterns", "Patterns and alerts", 1),
    ("simulate", "/simulate?monthly_orders=5000&runs=500", "Simulate", 2),
    ("reports", "/reports", "Reports", 0),
    ("orders", "/orders?outcome=failure", "Orders", 0),
    ("order", "/orders/{failed_order}", "Order #{failed_order} Failed", 1),
]


def test_every_page_loads_and_draws(visit: Any, failed_order: int) -> None:
    page = visit.page
    times: dict[str, float] = {}
    for name, path, heading, charts in PAGES:
        times[name] = visit.open(path.format(failed_order=failed_order), name)
        assert page.locator("h1").inner_text() == heading.format(failed_order=failed_order)
        if name == "explore":
            page.wait_for_selector("#explanation[data-loaded='ok']")
        if name == "compare":
            page.wait_for_selector("#comparison[data-loaded='ok']")
        if name == "simulate":
            page.wait_for_selector("#simulation[data-loaded='ok']", timeout=90_000)
            assert "90% interval" in page.locator("#simulation").inner_text()
        if name == "patterns":
            # the generator plants causes: the scan finds patterns and says how many
            assert int(page.locator("#pat-h").inner_text().split()[0]) > 0
            assert "city-failures" in page.locator("#alerts").inner_text()
        if charts:
            # charts are drawn as they near the viewport; draw the rest to check them all
            visit.draw_all()
            page.wait_for_function(
                f"document.querySelectorAll('.plot[data-drawn] .main-svg').length >= {charts}"
            )
        if name == "overview":
            assert "as of" in page.locator("main").inner_text()
            assert page.locator("#kpi-failure .kpi-value").inner_text().endswith("%")
            # the latest alerts the rules raised (one rule, failure rate by city, in conftest)
            latest = page.locator("#alerts li")
            assert 0 < latest.count() <= 5
            assert "high" in latest.first.inner_text()
        if name == "compare":
            assert "difference a − b" in page.locator("#comparison").inner_text().lower()
        # every table says what it holds; every chart has a text name
        assert page.locator("main table:not(:has(caption))").count() == 0
        assert page.locator(".plot:not([aria-label])").count() == 0
        visit.shot(name)
    assert visit.errors == []
    # The first page pays for the 4.8 MB chart library once; later pages use the cache. The
    # 1 s target is measured by bench/web_pages.py on a quiet machine; here, on a shared CI
    # box, a page several times slower than that is a regression.
    later = [t for name, t in times.items() if name != PAGES[0][0]]
    assert max(later) <= PAGE_BUDGET, times


def test_chart_library_is_served_compressed_and_cached(server: Any) -> None:
    html = httpx.get(f"{server.base_url}/quality").text
    src = html.split('<script src="', 1)[1].split('"', 1)[0]
    assert src.startswith("/assets/plotly-")
    r = httpx.get(server.base_url + src, headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["content-encoding"] == "gzip"
    assert "immutable" in r.headers["cache-control"]
    assert len(r.content) > 1_000_000  # decoded: the real library, not a stub
