"""Using the dashboard as a person would: ask a question, drill down with clicks, move around
with the keyboard, and read clear errors."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlparse


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlparse(url).query)


def test_ask_a_question(laptop: Any) -> None:
    page = laptop.page
    laptop.open("/ask")
    example = page.locator("[data-question]").first
    question = example.get_attribute("data-question")
    assert question and "delayed in" in question
    example.click()
    assert page.locator("#question").input_value() == question
    with page.expect_navigation():
        page.get_by_role("button", name="Ask", exact=True).click()
    laptop.record("ask (answer)")
    assert _query(page.url)["q"] == [question]
    understood = page.locator("#understood").inner_text()
    city = question.split("delayed in ", 1)[1].split(" yesterday")[0]
    assert "late" in understood
    assert f"city = {city}" in understood
    answer = page.locator("#answer")
    assert answer.locator(".narrative").inner_text().strip()
    # the answer states its outcome rate and what was tested, whatever it found
    assert re.search(r"Tested [\d,]+ hypotheses", answer.inner_text())
    laptop.shot("ask-answer")
    assert laptop.errors == []


def test_drill_down_with_clicks(laptop: Any) -> None:
    page = laptop.page
    hosts: set[str] = set()
    page.on("request", lambda r: hosts.add(urlparse(r.url).hostname or ""))
    laptop.open("/explore")
    page.locator("#chart-city").scroll_into_view_if_needed()  # drawn as it scrolls into view
    page.wait_for_selector("#chart-city[data-drawn] .bars path")
    bars = page.locator("#chart-city .bars path")
    top_city = page.locator("#chart-city .ytick text").last.text_content()
    bars.last.scroll_into_view_if_needed()
    box = bars.last.bounding_box()  # the top bar: the city with most orders
    assert box is not None
    with page.expect_navigation():
        # a real mouse click where the bar is drawn (plotly's own layer receives it)
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert _query(page.url)["city"] == [top_city]
    assert page.locator(".chip", has_text="City").inner_text().startswith("City")
    # the city chart is gone (one value), the warehouse table links drill further
    assert page.locator("#chart-city").count() == 0
    page.locator("#dim-warehouse ~ details summary").click()
    link = page.locator("a[data-drill-link='warehouse']").first
    warehouse = link.inner_text()
    with page.expect_navigation():
        link.click()
    q = _query(page.url)
    assert q["city"] == [top_city] and q["warehouse"] == [warehouse]
    page.wait_for_selector("#explanation[data-loaded='ok']")
    text = page.locator("#explanation").inner_text()
    assert f"city = {top_city}" in page.locator("main").inner_text()
    assert "hypotheses" in text
    laptop.shot("explore-drilled")
    # removing a chip widens the selection again
    with page.expect_navigation():
        page.get_by_label(re.compile(f"Remove Warehouse {warehouse}")).click()
    assert "warehouse" not in _query(page.url)
    assert laptop.errors == []
    # every asset, chart library included, came from the app itself (works offline)
    assert hosts == {"127.0.0.1"}


def test_keyboard_navigation(visit: Any) -> None:
    page = visit.page
    visit.open("/ask")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    # what has keyboard focus is visibly outlined
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    if visit.viewport == "phone":
        toggle = page.locator(".nav-toggle")
        assert page.locator("#site-nav").is_hidden()
        toggle.focus()
        page.keyboard.press("Enter")
        assert toggle.get_attribute("aria-expanded") == "true"
        assert page.locator("#site-nav").is_visible()
    page.locator("#site-nav a", has_text="Orders").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/orders")
    # the first order link is reachable by keyboard from the filter form
    page.locator("#orders-table a").first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/orders/" in page.url


def test_bad_selection_gives_a_clear_error_page(laptop: Any) -> None:
    response = laptop.page.goto(laptop.base_url + "/explore?warehouse=abc")
    assert response is not None and response.status == 400
    assert "warehouse_id must be a number" in laptop.page.locator("[role=alert]").inner_text()
    response = laptop.page.goto(laptop.base_url + "/explore?period=fortnight+ago")
    assert response is not None and response.status == 400
    assert "cannot read the period" in laptop.page.locator("[role=alert]").inner_text()
