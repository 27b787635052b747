"""Reference data: order status codes and failure reasons with category and severity.

Seeded from the reference design's tables. ``failure_reason`` in real exports is open text: a
known reason (matched without regard to case or surrounding spaces) maps to its code and
category; an unknown one is kept as written and flagged, never rejected.

Example:
    >>> lookup_reason("  stockout ").category
    'Inventory'
    >>> lookup_reason("Weather disruption") is None
    True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["Low", "Medium", "High", "Critical"]

CATEGORIES = (
    "Operational",
    "External",
    "Technical",
    "Human",
    "System",
    "Inventory",
    "Logistics",
    "Fleet",
)


@dataclass(frozen=True)
class StatusCode:
    code: str
    description: str
    closed: bool


@dataclass(frozen=True)
class FailureReason:
    code: str
    description: str
    category: str
    severity: Severity


STATUS_CODES: tuple[StatusCode, ...] = (
    StatusCode("Pending", "Order is pending processing", closed=False),
    StatusCode("In-Transit", "Order is in transit", closed=False),
    StatusCode("Delivered", "Order has been delivered successfully", closed=True),
    StatusCode("Failed", "Order delivery failed", closed=True),
    StatusCode("Returned", "Order has been returned", closed=True),
)

FAILURE_REASONS: tuple[FailureReason, ...] = (
    FailureReason("Stockout", "Product out of stock", "Inventory", "High"),
    FailureReason("Warehouse delay", "Warehouse processing delay", "Operational", "Medium"),
    FailureReason("Traffic congestion", "Heavy traffic congestion", "External", "Medium"),
    FailureReason(
        "Incorrect address", "Delivery address not found or incorrect", "Logistics", "High"
    ),
    FailureReason(
        "Address not found", "GPS could not locate delivery address", "Logistics", "High"
    ),
    FailureReason("Heavy congestion", "Traffic congestion causing delays", "External", "Medium"),
    FailureReason("Breakdown", "Vehicle breakdown during delivery", "Fleet", "High"),
    FailureReason("Stock delay on item", "Specific item stock delay", "Inventory", "Medium"),
    FailureReason("Slow packing", "Warehouse packing process delay", "Operational", "Low"),
    FailureReason("System issue", "Technical system malfunction", "Technical", "High"),
)

_BY_KEY = {r.code.casefold(): r for r in FAILURE_REASONS}


def lookup_reason(text: str | None) -> FailureReason | None:
    """The reference reason that ``text`` names, or None when it is unknown or empty."""
    if text is None:
        return None
    return _BY_KEY.get(" ".join(text.split()).casefold())
