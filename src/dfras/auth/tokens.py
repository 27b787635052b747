"""Short-lived JWT access tokens, and the opaque refresh tokens and API keys behind them.

Access tokens are HS256 JWTs signed with ``DFRAS_JWT_SECRET``: issuer, audience, expiry
(15 minutes by default), a token id, the tenant, user, role and scopes. They are never stored;
they die by expiry. Refresh tokens and API keys are random strings shown once and stored only
as SHA-256 digests (they carry 256 bits of randomness, so a slow hash adds nothing); the tenant
is written in clear in front, so the store can be narrowed to that tenant before the lookup.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt

from dfras.auth.errors import AuthenticationFailed

ISSUER = "dfras"
AUDIENCE = "dfras-api"
ACCESS_TTL = 15 * 60
ALGORITHM = "HS256"
_TENANT = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


@dataclass(frozen=True)
class AccessClaims:
    """What a verified access token says about its bearer."""

    tenant_id: str
    user_id: str
    role: str
    scopes: dict[str, tuple[str, ...]]
    token_id: str
    expires_at: float


class AccessTokens:
    """Issues and verifies access tokens with one signing key."""

    def __init__(
        self, key: bytes, *, ttl: int = ACCESS_TTL, clock: Callable[[], float] = time.time
    ) -> None:
        self._key = key
        self._ttl = ttl
        self._clock = clock

    def issue(
        self, *, tenant_id: str, user_id: str, role: str, scopes: dict[str, tuple[str, ...]]
    ) -> tuple[str, int]:
        """A signed token and its lifetime in seconds."""
        now = int(self._clock())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": user_id,
            "ten": tenant_id,
            "role": role,
            "scp": {k: list(v) for k, v in scopes.items()},
            "iat": now,
            "nbf": now,
            "exp": now + self._ttl,
            "jti": uuid.uuid4().hex,
            "typ": "access",
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM), self._ttl

    def verify(self, token: str) -> AccessClaims:
        """The claims of a valid token; forged, expired or malformed ones raise."""
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "jti", "aud", "iss"]},
                leeway=0,
            )
        except jwt.ExpiredSignatureError:
            raise AuthenticationFailed("access token expired", hint="refresh it") from None
        except jwt.PyJWTError:
            raise AuthenticationFailed("access token invalid") from None
        # PyJWT checks expiry against the wall clock; honour an injected clock too
        if claims["exp"] <= self._clock():
            raise AuthenticationFailed("access token expired", hint="refresh it")
        if claims.get("typ") != "access" or not isinstance(claims.get("ten"), str):
            raise AuthenticationFailed("access token invalid")
        scopes = {str(k): tuple(str(x) for x in v) for k, v in (claims.get("scp") or {}).items()}
        return AccessClaims(
            tenant_id=claims["ten"],
            user_id=str(claims["sub"]),
            role=str(claims["role"]),
            scopes=scopes,
            token_id=str(claims["jti"]),
            expires_at=float(claims["exp"]),
        )


def digest(secret: str) -> str:
    """The stored form of a refresh token or API key secret."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def same_digest(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def valid_tenant_id(tenant_id: str) -> bool:
    return bool(_TENANT.match(tenant_id))


def new_refresh_token(tenant_id: str) -> str:
    """``rt.<tenant>.<random>``."""
    return f"rt.{tenant_id}.{secrets.token_urlsafe(32)}"


def new_api_key(tenant_id: str) -> tuple[str, str]:
    """A key id and the full key ``dfk.<tenant>.<key id>.<secret>`` (shown once)."""
    key_id = secrets.token_hex(6)
    return key_id, f"dfk.{tenant_id}.{key_id}.{secrets.token_urlsafe(32)}"


def split_refresh_token(token: str) -> str:
    """The tenant of a refresh token; malformed tokens raise."""
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != "rt" or not valid_tenant_id(parts[1]) or not parts[2]:
        raise AuthenticationFailed("refresh token invalid")
    return parts[1]


def split_api_key(key: str) -> tuple[str, str]:
    """The tenant and key id of an API key; malformed keys raise."""
    parts = key.split(".")
    if len(parts) != 4 or parts[0] != "dfk" or not valid_tenant_id(parts[1]) or not parts[3]:
        raise AuthenticationFailed("API key invalid")
    return parts[1], parts[2]
