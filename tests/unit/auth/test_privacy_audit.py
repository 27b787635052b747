"""PII masking by permission, the credential vault, and the audit log's record and query."""

from __future__ import annotations

from pathlib import Path

import pytest

from dfras.audit.log import AuditEvent, ensure_audit_table, query, record
from dfras.domain.errors import UserError
from dfras.privacy.masking import PII_COLUMNS, mask_record
from dfras.privacy.vault import Vault, is_sealed, new_key
from dfras.service.principal import Principal
from dfras.store.open import open_store

AGENT = Principal("acme", "u1", "customer_service", frozenset({"view_orders", "view_pii"}))
ANALYST = Principal("acme", "u2", "data_analyst", frozenset({"view_orders", "view_analytics"}))

ORDER = {
    "order_id": 42,
    "customer_name": "Asha Kumar",
    "customer_phone": "+91 98450 12345",
    "delivery_address_line1": "12 MG Road",
    "delivery_pincode": "560001",
    "city": "Bengaluru",
    "client": {"contact_email": "ops@client.in", "contact_person": "Ravi Shah"},
}


def test_masking_follows_the_pii_permission() -> None:
    assert mask_record(ORDER, AGENT) == ORDER
    masked = mask_record(ORDER, ANALYST)
    assert masked["customer_name"] == "A••• K••••"
    assert masked["customer_phone"].endswith("45") and "98450" not in masked["customer_phone"]
    assert masked["delivery_address_line1"] == "[address hidden]"
    assert masked["client"]["contact_email"] == "o•••@client.in"
    assert masked["client"]["contact_person"] == "R••• S•••"
    # what analysis needs stays
    assert (masked["order_id"], masked["delivery_pincode"], masked["city"]) == (
        42,
        "560001",
        "Bengaluru",
    )
    text = repr(masked)
    for secret in ("Asha", "Kumar", "MG Road", "98450", "Ravi"):
        assert secret not in text
    assert {"customer_name", "customer_phone", "delivery_address_line1"} <= PII_COLUMNS


def test_vault_seals_opens_and_rotates() -> None:
    old, new = new_key(), new_key()
    v = Vault(old)
    sealed = v.seal("smtp-password-1")
    assert is_sealed(sealed) and "smtp-password-1" not in sealed
    assert v.open(sealed) == "smtp-password-1"
    both = Vault(f"{new},{old}")
    assert both.open(sealed) == "smtp-password-1"
    rotated = both.rotate(sealed)
    assert Vault(new).open(rotated) == "smtp-password-1"
    with pytest.raises(UserError, match="cannot be decrypted"):
        Vault(new).open(sealed)
    with pytest.raises(UserError, match="not a valid key"):
        Vault("not-a-key")


def test_vault_key_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DFRAS_VAULT_KEY", raising=False)
    monkeypatch.delenv("DFRAS_VAULT_KEY_FILE", raising=False)
    with pytest.raises(UserError, match="DFRAS_VAULT_KEY is not set"):
        Vault()
    monkeypatch.setenv("DFRAS_VAULT_KEY", new_key())
    assert Vault().open(Vault().seal("x")) == "x"


def test_audit_records_and_filters(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "audit.duckdb"))
    try:
        ensure_audit_table(store)
        record(store, AGENT, AuditEvent("read_pii", "order:42", "GET", "/api/v1/orders/42", 200))
        record(store, ANALYST, AuditEvent("write", "cause:42", "PATCH", status=200))
        other = Principal("beta", "u9", "company_admin", frozenset({"*"}))
        record(store, other, AuditEvent("write", "cause:7"))
        rows = query(store, "acme")
        assert {r["resource"] for r in rows} == {"order:42", "cause:42"}
        assert [r["actor"] for r in query(store, "acme", action="read_pii")] == ["u1"]
        assert query(store, "acme", resource_prefix="cause:")[0]["actor"] == "u2"
        assert query(store, "acme", actor="x' OR '1'='1") == []
        with pytest.raises(ValueError, match="unknown audit action"):
            record(store, AGENT, AuditEvent("delete_everything", "x"))
    finally:
        store.close()
