"""Mask customers' names, phones and addresses (and clients' contact details) for callers
without the ``view_pii`` permission.

Masking happens at the faces' single exit (API responses, dashboard pages, reports and exports
all pass records through :func:`mask_records`), so no face can forget it. A masked value keeps
enough shape to be useful to a customer-service agent's colleague in analytics (initials, the
last two digits of a phone, the pincode of an address is a separate column and stays) without
identifying the person.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from dfras.service.principal import Principal

VIEW_PII = "view_pii"

NAME_COLUMNS = frozenset({"customer_name", "contact_person"})
PHONE_COLUMNS = frozenset({"customer_phone", "contact_phone", "phone"})
ADDRESS_COLUMNS = frozenset(
    {"delivery_address_line1", "delivery_address_line2", "address_line1", "address_line2"}
)
EMAIL_COLUMNS = frozenset({"contact_email", "customer_email"})
PII_COLUMNS = NAME_COLUMNS | PHONE_COLUMNS | ADDRESS_COLUMNS | EMAIL_COLUMNS

MASK = "•"


def mask_name(value: str) -> str:
    """``Asha Kumar`` → ``A••• K••••``."""
    return " ".join(w[0] + MASK * max(len(w) - 1, 2) for w in value.split() if w)


def mask_phone(value: str) -> str:
    """All but the last two digits hidden."""
    digits = re.sub(r"\D", "", value)
    return MASK * max(len(digits) - 2, 4) + digits[-2:] if digits else MASK * 4


def mask_email(value: str) -> str:
    local, _, domain = value.partition("@")
    return (local[:1] + MASK * 3 + "@" + domain) if domain else MASK * 6


def mask_value(column: str, value: Any) -> Any:
    """The masked form of one value of a PII column (None and empty stay as they are)."""
    if value is None or value == "":
        return value
    text = str(value)
    if column in NAME_COLUMNS:
        return mask_name(text)
    if column in PHONE_COLUMNS:
        return mask_phone(text)
    if column in EMAIL_COLUMNS:
        return mask_email(text)
    if column in ADDRESS_COLUMNS:
        return "[address hidden]"
    return value


def may_see_pii(principal: Principal) -> bool:
    return principal.can(VIEW_PII)


def mask_record(record: Mapping[str, Any], principal: Principal) -> dict[str, Any]:
    """``record`` with its PII columns masked unless ``principal`` may see them (nested too)."""
    if may_see_pii(principal):
        return dict(record)
    return {k: _mask_any(k, v) for k, v in record.items()}


def _mask_any(key: str, value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _mask_any(k, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_any(key, v) for v in value]
    return mask_value(key, value) if key in PII_COLUMNS else value


def mask_records(
    records: Iterable[Mapping[str, Any]], principal: Principal
) -> list[dict[str, Any]]:
    return [mask_record(r, principal) for r in records]
