"""Access tokens, rotating refresh tokens and API keys against a real (embedded) store."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import jwt
import pytest

from dfras.auth import tokens
from dfras.auth.errors import AuthenticationFailed, PermissionDenied, TooManyAttempts
from dfras.auth.ratelimit import MemoryWindow
from dfras.auth.service import AuthService
from dfras.store.open import open_store

KEY = b"k" * 48
PASSWORD = "a long enough password"


class Clock:
    def __init__(self) -> None:
        self.t = 2_000_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture(scope="module")
def users_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One store with the users every test logs in as (argon2id hashing is slow by design)."""
    store = open_store(str(tmp_path_factory.mktemp("auth") / "auth.duckdb"))
    svc = AuthService(store, tokens.AccessTokens(KEY), MemoryWindow())
    svc.create_user("acme", "ana@acme.io", PASSWORD, "operations_manager")
    svc.create_user("acme", "wh@acme.io", PASSWORD, "warehouse_manager", {"warehouse_id": ["7"]})
    svc.create_user("acme", "gone@acme.io", PASSWORD, "data_analyst")
    svc.create_user("beta", "ana@acme.io", "another long password", "company_admin")
    yield store
    store.close()


@pytest.fixture
def auth(users_store: Any) -> AuthService:
    """A fresh service (and throttle) over the shared users."""
    return AuthService(users_store, tokens.AccessTokens(KEY), MemoryWindow())


def test_login_gives_a_principal_of_the_right_tenant(auth: AuthService) -> None:
    pair = auth.login("acme", "Ana@Acme.io", PASSWORD, "127.0.0.1")
    p = auth.principal_from_access(pair.access_token)
    assert (p.tenant_id, p.role) == ("acme", "operations_manager")
    assert p.can("view_pii") and not p.can("manage_users")
    other = auth.login("beta", "ana@acme.io", "another long password", "127.0.0.1")
    assert auth.principal_from_access(other.access_token).tenant_id == "beta"
    # the same e-mail and password of one tenant does not open another
    with pytest.raises(AuthenticationFailed):
        auth.login("beta", "ana@acme.io", PASSWORD, "127.0.0.1")


def test_scoped_user_carries_scopes_in_the_token(auth: AuthService) -> None:
    pair = auth.login("acme", "wh@acme.io", PASSWORD, "127.0.0.1")
    assert auth.principal_from_access(pair.access_token).scopes == {"warehouse_id": ("7",)}


def test_wrong_password_then_throttled_even_with_the_right_one(auth: AuthService) -> None:
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            auth.login("acme", "ana@acme.io", "wrong password!!", "10.0.0.5")
    with pytest.raises(TooManyAttempts):
        auth.login("acme", "ana@acme.io", PASSWORD, "10.0.0.5")


def test_unknown_account_is_indistinguishable(auth: AuthService) -> None:
    with pytest.raises(AuthenticationFailed) as a:
        auth.login("acme", "nobody@acme.io", PASSWORD, "127.0.0.1")
    with pytest.raises(AuthenticationFailed) as b:
        auth.login("acme", "ana@acme.io", "wrong password!!", "127.0.0.1")
    assert a.value.message == b.value.message


def _forge(token: str, **changes: object) -> str:
    head, body, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims.update(changes)
    new = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{head}.{new}.{sig}"


def test_forged_tampered_and_expired_tokens_are_rejected(auth: AuthService) -> None:
    pair = auth.login("acme", "ana@acme.io", PASSWORD, "127.0.0.1")
    with pytest.raises(AuthenticationFailed):  # claims changed, signature kept
        auth.principal_from_access(_forge(pair.access_token, ten="beta", role="company_admin"))
    claims = jwt.decode(pair.access_token, KEY, algorithms=["HS256"], audience=tokens.AUDIENCE)
    with pytest.raises(AuthenticationFailed):  # signed with another key
        auth.principal_from_access(jwt.encode(claims, b"x" * 48, algorithm="HS256"))
    with pytest.raises(AuthenticationFailed):  # unsigned
        auth.principal_from_access(jwt.encode(claims, None, algorithm="none"))
    with pytest.raises(AuthenticationFailed):  # a refresh token is not an access token
        auth.principal_from_access(pair.refresh_token)
    clock = Clock()
    short = tokens.AccessTokens(KEY, ttl=60, clock=clock)
    clock.t = __import__("time").time()
    token, _ = short.issue(tenant_id="acme", user_id="u", role="data_analyst", scopes={})
    assert short.verify(token).tenant_id == "acme"
    clock.t += 61
    with pytest.raises(AuthenticationFailed, match="expired"):
        short.verify(token)


def test_refresh_rotates_and_reuse_revokes_the_family(auth: AuthService) -> None:
    first = auth.login("acme", "ana@acme.io", PASSWORD, "127.0.0.1")
    second = auth.refresh(first.refresh_token)
    assert second.refresh_token != first.refresh_token
    third = auth.refresh(second.refresh_token)
    with pytest.raises(AuthenticationFailed, match="already used"):
        auth.refresh(first.refresh_token)  # a stolen, replayed token
    with pytest.raises(AuthenticationFailed, match="revoked"):
        auth.refresh(third.refresh_token)  # the legitimate chain died with it
    with pytest.raises(AuthenticationFailed):
        auth.refresh("rt.acme.not-a-token")
    with pytest.raises(AuthenticationFailed):
        auth.refresh("garbage")


def test_logout_and_deactivation_revoke_refresh(auth: AuthService) -> None:
    pair = auth.login("acme", "ana@acme.io", PASSWORD, "127.0.0.1")
    auth.logout(pair.refresh_token)
    with pytest.raises(AuthenticationFailed):
        auth.refresh(pair.refresh_token)
    pair = auth.login("acme", "gone@acme.io", PASSWORD, "127.0.0.1")
    user = auth.principal_from_access(pair.access_token).user_id
    auth.deactivate_user("acme", user)
    with pytest.raises(AuthenticationFailed):
        auth.refresh(pair.refresh_token)
    with pytest.raises(AuthenticationFailed):
        auth.login("acme", "gone@acme.io", PASSWORD, "127.0.0.1")


def test_api_keys_are_scoped_hashed_and_revocable(auth: AuthService) -> None:
    manager = auth.principal_from_access(
        auth.login("acme", "wh@acme.io", PASSWORD, "127.0.0.1").access_token
    )
    key_id, key = auth.create_api_key(manager, "etl")
    stored = auth.store.fetchall("SELECT secret_hash FROM api_keys WHERE key_id = ?", [key_id])
    assert stored[0][0] != key and key.split(".")[-1] not in stored[0][0]
    p = auth.principal_from_api_key(key)
    assert (p.tenant_id, p.role, p.scopes) == (
        "acme",
        "warehouse_manager",
        {"warehouse_id": ("7",)},
    )
    with pytest.raises(PermissionDenied):
        auth.create_api_key(manager, "escalate", role="company_admin")
    with pytest.raises(PermissionDenied, match="outside"):
        auth.create_api_key(manager, "wider", scopes={"warehouse_id": ["8"]})
    tampered = key[:-2] + ("AA" if not key.endswith("AA") else "BB")
    with pytest.raises(AuthenticationFailed):
        auth.principal_from_api_key(tampered)
    with pytest.raises(AuthenticationFailed):  # the same key presented as another tenant's
        auth.principal_from_api_key(key.replace("dfk.acme.", "dfk.beta.", 1))
    assert auth.revoke_api_key("acme", key_id)
    with pytest.raises(AuthenticationFailed, match="revoked"):
        auth.principal_from_api_key(key)
    assert not auth.revoke_api_key("beta", key_id)
