"""The API's single exit for personal data: per-user scope checks on single orders, masking
of customers' names, phones and addresses for callers without ``view_pii``, and marking the
request as a read of personal data for the audit log.

Answers are cached; whether the caller may see PII and her per-user scopes are part of the
cache key (``answer_key``), so a masked answer is never served unmasked or the other way.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from dfras.orders.service import unknown_order
from dfras.privacy.masking import mask_record, may_see_pii
from dfras.service.principal import Principal
from dfras.service.scopes import ScopeModel
from dfras.store.base import Store


def answer_key(principal: Principal, **params: Any) -> dict[str, Any]:
    """Cache key parameters for an answer that may hold PII or be narrowed by scopes."""
    return {
        **params,
        "pii": may_see_pii(principal),
        "user_scope": ScopeModel.model_validate({}).key(),
    }


def has_user_scopes() -> bool:
    """Whether the caller's per-user scopes narrow what she may see."""
    return ScopeModel.model_validate({}).narrowed() != ScopeModel.model_validate({})


def ensure_order_in_scope(store: Store, order_id: int) -> None:
    """404 for an order outside the caller's per-user scopes (as if it did not exist)."""
    if not has_user_scopes():
        return
    where, params = ScopeModel.model_validate({}).narrowed().build(store).where()
    found = store.fetchall(
        f"SELECT 1 FROM delivery_fact WHERE order_id = ? AND {where}", [order_id, *params]
    )
    if not found:
        raise unknown_order(order_id)


def masked(value: Any, principal: Principal) -> Any:
    """``value`` (a record, or a dict of records and lists) with PII masked for the caller."""
    if isinstance(value, dict):
        return mask_record(value, principal)
    if isinstance(value, list):
        return [masked(v, principal) for v in value]
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return masked(to_dict(), principal)
    return value


def note_pii_read(request: Request, principal: Principal, resource: str) -> None:
    """Mark this request as a read of personal data (the audit middleware records it)."""
    if may_see_pii(principal):
        request.state.pii_read = resource
