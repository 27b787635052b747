"""Log in, refresh, log out, and turn a bearer token or API key into a principal.

Refresh tokens rotate: each use returns a new pair and marks the old token used. Presenting a
used token again means it was stolen (or replayed), so the whole family descending from that
login is revoked and the caller must log in again. API keys carry a role (at most the creating
user's) and optional scopes, and are revocable; their use is recorded as ``last_used_at``.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dfras.auth import passwords, tokens
from dfras.auth.errors import AuthenticationFailed, PermissionDenied, TooManyAttempts
from dfras.auth.ratelimit import SlidingWindow
from dfras.auth.roles import Role, check_scopes, parse_role, permissions_of
from dfras.auth.schema import ensure_auth_tables
from dfras.service.principal import Principal
from dfras.store.base import Store

REFRESH_TTL = timedelta(days=14)


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "bearer"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _principal(
    tenant_id: str, user_id: str, role: str, scopes: dict[str, tuple[str, ...]]
) -> Principal:
    perms = frozenset(p.value for p in permissions_of(role))
    return Principal(
        tenant_id=tenant_id, user_id=user_id, role=role, permissions=perms, scopes=scopes
    )


def _scopes(raw: str) -> dict[str, tuple[str, ...]]:
    return {k: tuple(v) for k, v in json.loads(raw or "{}").items()}


def _narrowed(
    outer: dict[str, tuple[str, ...]], inner: dict[str, tuple[str, ...]]
) -> dict[str, tuple[str, ...]]:
    """``inner`` scopes limited to ``outer``: a key never sees beyond its creator's scopes."""
    out = dict(inner)
    for attr, allowed in outer.items():
        wanted = out.get(attr, allowed)
        extra = set(wanted) - set(allowed)
        if extra:
            raise PermissionDenied(f"scope {attr}={sorted(extra)} is outside the creator's scope")
        out[attr] = tuple(wanted)
    return out


class AuthService:
    """Authentication against one store (on PostgreSQL: narrowed to the tenant by RLS)."""

    def __init__(
        self,
        store: Store,
        access: tokens.AccessTokens,
        window: SlidingWindow,
        *,
        refresh_ttl: timedelta = REFRESH_TTL,
    ) -> None:
        self.store = store
        self.access = access
        self.throttle = passwords.LoginThrottle(window)
        self.refresh_ttl = refresh_ttl
        ensure_auth_tables(store)

    # users -----------------------------------------------------------------------------
    def create_user(
        self,
        tenant_id: str,
        email: str,
        password: str,
        role: str,
        scopes: dict[str, list[str]] | None = None,
    ) -> str:
        if not tokens.valid_tenant_id(tenant_id):
            raise ValueError(f"tenant id {tenant_id!r}: lower-case letters, digits and '-'")
        r = parse_role(role)
        checked = check_scopes(r, scopes or {})
        email = email.strip().lower()
        if "@" not in email:
            raise ValueError(f"e-mail {email!r} is not an address")
        if self.store.fetchall(
            "SELECT 1 FROM users WHERE tenant_id = ? AND email = ?", [tenant_id, email]
        ):
            raise ValueError(f"user {email} already exists in {tenant_id}")
        user_id = uuid.uuid4().hex
        self.store.execute(
            "INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, TRUE, ?, NULL)",
            [
                tenant_id,
                user_id,
                email,
                passwords.hash_password(password),
                r.value,
                json.dumps({k: list(v) for k, v in checked.items()}),
                _now(),
            ],
        )
        return user_id

    def deactivate_user(self, tenant_id: str, user_id: str) -> None:
        """Disable the account and revoke its refresh tokens and API keys."""
        with self.store.transaction():
            self.store.execute(
                "UPDATE users SET active = FALSE WHERE tenant_id = ? AND user_id = ?",
                [tenant_id, user_id],
            )
            self.store.execute(
                "UPDATE refresh_tokens SET revoked_at = ? WHERE tenant_id = ? AND user_id = ? "
                "AND revoked_at IS NULL",
                [_now(), tenant_id, user_id],
            )
            self.store.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE tenant_id = ? AND created_by = ? "
                "AND revoked_at IS NULL",
                [_now(), tenant_id, user_id],
            )

    # login, refresh, logout ------------------------------------------------------------
    def login(self, tenant_id: str, email: str, password: str, address: str) -> TokenPair:
        email = email.strip().lower()
        wait = self.throttle.blocked(tenant_id, email, address)
        if wait > 0:
            raise TooManyAttempts("too many failed logins", retry_after=wait)
        rows = self.store.fetch_dicts(
            "SELECT user_id, password_hash, role, scopes, active FROM users "
            "WHERE tenant_id = ? AND email = ?",
            [tenant_id, email],
        )
        if not rows:
            passwords.burn_time(password)
            self.throttle.failed(tenant_id, email, address)
            raise AuthenticationFailed("e-mail or password wrong")
        user = rows[0]
        if not passwords.verify_password(user["password_hash"], password) or not user["active"]:
            self.throttle.failed(tenant_id, email, address)
            raise AuthenticationFailed("e-mail or password wrong")
        self.throttle.succeeded(tenant_id, email)
        with self.store.transaction():
            if passwords.needs_rehash(user["password_hash"]):
                self.store.execute(
                    "UPDATE users SET password_hash = ? WHERE tenant_id = ? AND user_id = ?",
                    [passwords.hash_password(password), tenant_id, user["user_id"]],
                )
            self.store.execute(
                "UPDATE users SET last_login_at = ? WHERE tenant_id = ? AND user_id = ?",
                [_now(), tenant_id, user["user_id"]],
            )
            return self._pair(
                tenant_id, user["user_id"], user["role"], _scopes(user["scopes"]), uuid.uuid4().hex
            )

    def _pair(
        self,
        tenant_id: str,
        user_id: str,
        role: str,
        scopes: dict[str, tuple[str, ...]],
        family_id: str,
    ) -> TokenPair:
        access, ttl = self.access.issue(
            tenant_id=tenant_id, user_id=user_id, role=role, scopes=scopes
        )
        refresh = tokens.new_refresh_token(tenant_id)
        now = _now()
        self.store.execute(
            "INSERT INTO refresh_tokens VALUES (?, ?, ?, ?, ?, ?, NULL, NULL)",
            [tenant_id, tokens.digest(refresh), user_id, family_id, now, now + self.refresh_ttl],
        )
        return TokenPair(access, refresh, ttl)

    def refresh(self, refresh_token: str) -> TokenPair:
        """A new pair for a valid refresh token; a reused one revokes its whole family."""
        tenant_id = tokens.split_refresh_token(refresh_token)
        reused = False
        with self.store.transaction():
            rows = self.store.fetch_dicts(
                "SELECT r.user_id, r.family_id, r.expires_at, r.used_at, r.revoked_at, "
                "u.role, u.scopes, u.active FROM refresh_tokens r JOIN users u "
                "ON u.tenant_id = r.tenant_id AND u.user_id = r.user_id "
                "WHERE r.tenant_id = ? AND r.token_hash = ?",
                [tenant_id, tokens.digest(refresh_token)],
            )
            if not rows:
                raise AuthenticationFailed("refresh token invalid")
            t = rows[0]
            now = _now()
            if t["used_at"] is not None:
                # committed before the refusal: the revocation must outlive the error
                self._revoke_family(tenant_id, t["family_id"], now)
                reused = True
            elif t["revoked_at"] is not None or t["expires_at"] <= now or not t["active"]:
                raise AuthenticationFailed("refresh token revoked or expired", hint="log in again")
            else:
                self.store.execute(
                    "UPDATE refresh_tokens SET used_at = ? WHERE tenant_id = ? AND token_hash = ?",
                    [now, tenant_id, tokens.digest(refresh_token)],
                )
                return self._pair(
                    tenant_id, t["user_id"], t["role"], _scopes(t["scopes"]), t["family_id"]
                )
        assert reused
        raise AuthenticationFailed(
            "refresh token already used: every session of this login is now revoked",
            hint="log in again",
        )

    def _revoke_family(self, tenant_id: str, family_id: str, now: datetime) -> None:
        self.store.execute(
            "UPDATE refresh_tokens SET revoked_at = ? WHERE tenant_id = ? AND family_id = ? "
            "AND revoked_at IS NULL",
            [now, tenant_id, family_id],
        )

    def logout(self, refresh_token: str) -> None:
        """Revoke the login this refresh token belongs to."""
        tenant_id = tokens.split_refresh_token(refresh_token)
        rows = self.store.fetchall(
            "SELECT family_id FROM refresh_tokens WHERE tenant_id = ? AND token_hash = ?",
            [tenant_id, tokens.digest(refresh_token)],
        )
        if rows:
            self._revoke_family(tenant_id, rows[0][0], _now())

    # credentials -> principal ----------------------------------------------------------
    def principal_from_access(self, token: str) -> Principal:
        claims = self.access.verify(token)
        return _principal(claims.tenant_id, claims.user_id, claims.role, claims.scopes)

    def create_api_key(
        self,
        creator: Principal,
        name: str,
        *,
        role: str | None = None,
        scopes: dict[str, list[str]] | None = None,
        expires_in_days: int | None = None,
    ) -> tuple[str, str]:
        """A new key (id, full key shown once) acting with ``role``, at most the creator's."""
        r = parse_role(role or creator.role)
        if r is Role.PLATFORM_ADMIN or not permissions_of(r) <= permissions_of(creator.role):
            raise PermissionDenied(f"an API key cannot have more rights than its creator ({r})")
        checked = _narrowed(creator.scopes, check_scopes(r, scopes or {}))
        key_id, key = tokens.new_api_key(creator.tenant_id)
        now = _now()
        expires = now + timedelta(days=expires_in_days) if expires_in_days else None
        self.store.execute(
            "INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
            [
                creator.tenant_id,
                key_id,
                name,
                tokens.digest(key),
                r.value,
                json.dumps({k: list(v) for k, v in checked.items()}),
                creator.user_id,
                now,
                expires,
            ],
        )
        return key_id, key

    def revoke_api_key(self, tenant_id: str, key_id: str) -> bool:
        rows = self.store.fetchall(
            "SELECT 1 FROM api_keys WHERE tenant_id = ? AND key_id = ? AND revoked_at IS NULL",
            [tenant_id, key_id],
        )
        self.store.execute(
            "UPDATE api_keys SET revoked_at = ? WHERE tenant_id = ? AND key_id = ? "
            "AND revoked_at IS NULL",
            [_now(), tenant_id, key_id],
        )
        return bool(rows)

    def principal_from_api_key(self, key: str) -> Principal:
        tenant_id, key_id = tokens.split_api_key(key)
        rows = self.store.fetch_dicts(
            "SELECT secret_hash, role, scopes, expires_at, revoked_at FROM api_keys "
            "WHERE tenant_id = ? AND key_id = ?",
            [tenant_id, key_id],
        )
        if not rows or not tokens.same_digest(rows[0]["secret_hash"], tokens.digest(key)):
            raise AuthenticationFailed("API key invalid")
        k = rows[0]
        now = _now()
        if k["revoked_at"] is not None:
            raise AuthenticationFailed("API key revoked")
        if k["expires_at"] is not None and k["expires_at"] <= now:
            raise AuthenticationFailed("API key expired")
        self.store.execute(
            "UPDATE api_keys SET last_used_at = ? WHERE tenant_id = ? AND key_id = ?",
            [now, tenant_id, key_id],
        )
        return _principal(tenant_id, f"key:{key_id}", k["role"], _scopes(k["scopes"]))
