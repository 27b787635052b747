"""Shared input for the ingestion tests: orders files whose record k is order k."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest

ORDERS_HEADER = (
    "order_id,client_id,customer_name,customer_phone,delivery_address_line1,"
    "delivery_address_line2,city,state,pincode,order_date,promised_delivery_date,"
    "actual_delivery_date,status,payment_mode,amount,failure_reason,created_at\n"
)

NumberedOrders = Callable[..., str]


def _order(n: int, broken: dict[int, str]) -> str:
    amount = "-5.00" if broken.get(n) == "negative_amount" else "120.50"
    order_date = "2025-01-05 10:00:00" if broken.get(n) != "bad_type" else "yesterday"
    extra = ",surplus" if broken.get(n) == "too_many_columns" else ""
    return (
        f"{n},{n % 97 + 1},Customer {n},98220{n:05d},{n} MG Road,,Pune,Maharashtra,411004,"
        f"{order_date},2025-01-07 10:00:00,2025-01-06 12:00:00,Delivered,Prepaid,{amount},,"
        f"2025-01-05 10:00:00{extra}\n"
    )


def _numbered_orders(
    numbers: Iterable[int], broken: dict[int, str] | None = None, *, header: bool = True
) -> str:
    """CSV text of the orders ``numbers`` (order k on record k when they run from 1);
    ``broken`` maps an order number to how its record is broken: ``bad_type`` (a date that is
    no date), ``negative_amount`` (a row rule) or ``too_many_columns`` (a reader reject)."""
    lines = "".join(_order(n, broken or {}) for n in numbers)
    return (ORDERS_HEADER if header else "") + lines


@pytest.fixture(scope="session")
def numbered_orders() -> NumberedOrders:
    return _numbered_orders
