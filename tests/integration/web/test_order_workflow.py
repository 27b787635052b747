"""Customer service opens a failed order from the list, reads its timeline and cause, and
works the cause through its resolution workflow with the form."""

from __future__ import annotations

from typing import Any

import httpx

STAGES = ["ordered", "picking", "dispatch", "transit", "outcome"]


def test_open_an_order_and_resolve_its_cause(laptop: Any, server: Any) -> None:
    page = laptop.page
    laptop.open("/orders?outcome=failure&sort=order_id&dir=asc")
    rows = page.locator("#orders-table tbody tr")
    assert rows.count() == 50
    statuses = {rows.nth(i).locator("td").nth(4).inner_text() for i in range(rows.count())}
    assert statuses == {"Failed"}
    link = rows.nth(1).locator("a").first
    order_id = int(link.inner_text().lstrip("#"))
    with page.expect_navigation():
        link.click()
    laptop.record("order")
    assert page.url.endswith(f"/orders/{order_id}")
    # the timeline lists the stages in the order an order lives them, with the records
    assert (
        page.locator("#timeline > li").evaluate_all("els => els.map(e => e.dataset.stage)")
        == STAGES
    )
    assert "orders#" in page.locator("#timeline li[data-stage='ordered']").inner_text()
    api = httpx.get(f"{server.base_url}/api/v1/orders/{order_id}").json()
    cause = api["cause"]
    assert cause["primary_cause"] in page.locator("#cause").inner_text()
    assert page.locator("#customer-message").inner_text() == api["customer_message"]
    page.locator("#posteriors").scroll_into_view_if_needed()
    page.wait_for_selector("#posteriors[data-drawn] .main-svg")
    assert page.locator("#resolution-status").inner_text() == "Pending"

    # Pending → In Progress with a note and measures, then → Resolved
    page.select_option("#resolution-next", "In Progress")
    page.get_by_label("Note").fill("Checked the stock sync with the warehouse")
    page.get_by_label("Preventive measures (one a line)").fill(
        "Reconcile stock nightly\nAlert on stock-outs"
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert page.locator("[role=status]").inner_text().startswith("Resolution moved to In Progress")
    assert page.locator("#resolution-status").inner_text() == "In Progress"
    page.select_option("#resolution-next", "Resolved")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert page.locator("#resolution-status").inner_text() == "Resolved"
    history = page.locator("#resolution-history tbody tr")
    assert history.count() == 2
    first = history.nth(0).inner_text()
    assert "Pending" in first and "In Progress" in first
    assert "Reconcile stock nightly; Alert on stock-outs" in first
    # a reload does not repeat the change (post-redirect-get) and the API agrees
    page.reload()
    assert page.locator("#resolution-history tbody tr").count() == 2
    state = httpx.get(f"{server.base_url}/api/v1/orders/{order_id}").json()
    assert [h["to"] for h in state["resolution_history"]] == ["In Progress", "Resolved"]
    laptop.shot("order-resolved")

    # a move the workflow does not allow is refused with the rule, nothing changes
    page.select_option("#resolution-next", "Closed")
    page.evaluate(
        "() => { const s = document.getElementById('resolution-next');"
        " s.options[0].value = 'Pending'; s.value = 'Pending'; }"
    )
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("[role=alert]")
    assert "cannot move order" in page.locator("[role=alert]").inner_text()
    assert page.locator("#resolution-status").inner_text() == "Resolved"
    assert laptop.errors == [] or all("400" in e for e in laptop.errors)


def test_unknown_order_is_a_404_page(laptop: Any) -> None:
    response = laptop.page.goto(laptop.base_url + "/orders/987654321")
    assert response is not None and response.status == 404
    assert "no order 987654321" in laptop.page.locator("[role=alert]").inner_text()
