"""The permission matrix, scope rules, argon2id hashing and the failed-login throttle."""

from __future__ import annotations

import pytest

from dfras.auth import passwords
from dfras.auth.ratelimit import MemoryWindow
from dfras.auth.roles import MATRIX, Permission, Role, check_scopes, matrix_markdown, parse_role


def test_matrix_separates_duties() -> None:
    assert Permission.MANAGE_TENANTS not in MATRIX[Role.COMPANY_ADMIN]
    assert MATRIX[Role.PLATFORM_ADMIN] == {Permission.MANAGE_TENANTS}
    cs = MATRIX[Role.CUSTOMER_SERVICE]
    assert Permission.VIEW_PII in cs and Permission.VIEW_ANALYTICS not in cs
    assert Permission.VIEW_PII not in MATRIX[Role.DATA_ANALYST]
    assert Permission.VIEW_AUDIT in MATRIX[Role.COMPANY_ADMIN]
    assert all(Permission.VIEW_AUDIT not in MATRIX[r] for r in Role if r is not Role.COMPANY_ADMIN)
    table = matrix_markdown()
    assert table.count("\n") == len(Permission) + 1


def test_scopes_follow_the_role() -> None:
    assert check_scopes(Role.WAREHOUSE_MANAGER, {"warehouse_id": ["3", "7"]}) == {
        "warehouse_id": ("3", "7")
    }
    with pytest.raises(ValueError, match="cannot be scoped by 'warehouse_id'"):
        check_scopes(Role.FLEET_MANAGER, {"warehouse_id": ["3"]})
    with pytest.raises(ValueError, match="at least one value"):
        check_scopes(Role.FLEET_MANAGER, {"city": []})
    with pytest.raises(ValueError, match="roles are"):
        parse_role("root")


def test_argon2id_hashes_verify_and_reject() -> None:
    stored = passwords.hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert passwords.verify_password(stored, "correct horse battery")
    assert not passwords.verify_password(stored, "correct horse batterY")
    assert not passwords.verify_password("not-a-hash", "correct horse battery")
    assert stored != passwords.hash_password("correct horse battery")  # salted
    with pytest.raises(ValueError, match="too short"):
        passwords.hash_password("short")


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_throttle_blocks_after_failures_then_releases() -> None:
    clock = Clock()
    throttle = passwords.LoginThrottle(MemoryWindow(clock))
    for _ in range(passwords.MAX_FAILURES):
        assert throttle.blocked("acme", "a@x.io", "10.0.0.1") == 0
        throttle.failed("acme", "a@x.io", "10.0.0.1")
        clock.t += 1
    wait = throttle.blocked("acme", "a@x.io", "10.0.0.1")
    assert 0 < wait <= passwords.FAILURE_WINDOW
    assert throttle.blocked("acme", "b@x.io", "10.0.0.2") == 0  # another account, another address
    assert throttle.blocked("other", "a@x.io", "10.0.0.2") == 0  # same e-mail, another tenant
    clock.t += wait + 0.01
    assert throttle.blocked("acme", "a@x.io", "10.0.0.1") == 0


def test_throttle_per_address_across_accounts() -> None:
    throttle = passwords.LoginThrottle(MemoryWindow(Clock()))
    for i in range(passwords.MAX_FAILURES_PER_ADDRESS):
        throttle.failed("acme", f"u{i}@x.io", "10.9.9.9")
    assert throttle.blocked("acme", "fresh@x.io", "10.9.9.9") > 0
    assert throttle.blocked("acme", "fresh@x.io", "10.9.9.8") == 0


def test_success_clears_the_account_window() -> None:
    throttle = passwords.LoginThrottle(MemoryWindow(Clock()))
    for _ in range(passwords.MAX_FAILURES - 1):
        throttle.failed("acme", "a@x.io", "1.1.1.1")
    throttle.succeeded("acme", "a@x.io")
    throttle.failed("acme", "a@x.io", "1.1.1.1")
    assert throttle.blocked("acme", "a@x.io", "1.1.1.1") == 0


def test_docs_show_the_current_matrix() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[3] / "docs" / "security.md").read_text()
    assert matrix_markdown() in doc, "docs/security.md is stale: paste matrix_markdown()"
