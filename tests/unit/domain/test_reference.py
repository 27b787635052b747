"""Reference reasons, feedback themes and the canonical model's invariants."""

from __future__ import annotations

import pytest

from dfras.domain.reference import CATEGORIES, FAILURE_REASONS, lookup_reason
from dfras.domain.tables import DOMAINS, LOG_DOMAINS
from dfras.domain.themes import classify_theme


@pytest.mark.parametrize(
    ("text", "code", "category"),
    [
        ("Stockout", "Stockout", "Inventory"),
        ("  stockout ", "Stockout", "Inventory"),
        ("ADDRESS NOT FOUND", "Address not found", "Logistics"),
        ("Breakdown", "Breakdown", "Fleet"),
        ("system   issue", "System issue", "Technical"),
    ],
)
def test_known_reasons_map_to_their_category(text: str, code: str, category: str) -> None:
    reason = lookup_reason(text)
    assert reason is not None and (reason.code, reason.category) == (code, category)


@pytest.mark.parametrize("text", ["Weather disruption", "", None, "stock"])
def test_unknown_reasons_are_none(text: str | None) -> None:
    assert lookup_reason(text) is None


def test_reason_categories_are_known() -> None:
    assert {r.category for r in FAILURE_REASONS} <= set(CATEGORIES)


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        ("Package was late, no update from driver.", "late"),
        ("Driver was polite but package was delayed.", "late"),
        ("Package cancelled due to stock issue.", "stock"),
        ("Delivery never came, wrong address issue.", "address"),
        ("Good service, on time delivery.", "positive"),
        ("Box arrived damaged", "damaged"),
        ("meh", "other"),
        ("   ", None),
    ],
)
def test_feedback_themes(text: str, theme: str | None) -> None:
    assert classify_theme(text) == theme


def test_model_invariants() -> None:
    for d in DOMAINS.values():
        assert d.key in d.required_columns, d.name
        for ref in d.references:
            assert ref.column in d.column_names
            assert ref.target in DOMAINS[ref.domain].column_names
    for name in LOG_DOMAINS:
        assert "order_id" in DOMAINS[name].required_columns
    for d in DOMAINS.values():
        for c in d.columns:
            if "pincode" in c.name or "phone" in c.name:
                assert c.type == "text", f"{d.name}.{c.name} must be text"
