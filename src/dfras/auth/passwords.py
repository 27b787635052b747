"""Password hashing with argon2id, and the throttle on failed logins.

After ``MAX_FAILURES`` failed attempts on one account (or ``MAX_FAILURES_PER_ADDRESS`` from
one address) within ``FAILURE_WINDOW`` seconds, further attempts are refused, whether or not the
password is right, until the oldest failure leaves the window. A success clears the account's
window. The refusal never says whether the account exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from dfras.auth.ratelimit import SlidingWindow

MIN_PASSWORD_LENGTH = 12
MAX_FAILURES = 5
MAX_FAILURES_PER_ADDRESS = 20
FAILURE_WINDOW = 15 * 60.0

_HASHER = PasswordHasher(type=Type.ID)


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (salt and parameters inside the string)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password too short: at least {MIN_PASSWORD_LENGTH} characters")
    return _HASHER.hash(password)


def verify_password(stored: str, password: str) -> bool:
    """Whether ``password`` matches ``stored``; malformed hashes never match."""
    try:
        return _HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _HASHER.check_needs_rehash(stored)


# A hash to verify against when the account does not exist, so both paths cost the same.
_DUMMY_HASH = _HASHER.hash("dfras-no-such-account-placeholder")


def burn_time(password: str) -> None:
    """Spend one verification's time (for unknown accounts: no timing oracle)."""
    verify_password(_DUMMY_HASH, password)


@dataclass
class LoginThrottle:
    """Counts failed logins per account and per address in sliding windows."""

    window: SlidingWindow

    def _keys(self, tenant: str, email: str, address: str) -> tuple[str, str]:
        return f"login:acct:{tenant}:{email.lower()}", f"login:addr:{address}"

    def blocked(self, tenant: str, email: str, address: str) -> float:
        """Seconds to wait before another attempt is allowed (0: allowed now)."""
        acct, addr = self._keys(tenant, email, address)
        a = self.window.peek(acct, MAX_FAILURES, FAILURE_WINDOW)
        b = self.window.peek(addr, MAX_FAILURES_PER_ADDRESS, FAILURE_WINDOW)
        return max(a.retry_after if not a.allowed else 0.0, b.retry_after if not b.allowed else 0.0)

    def failed(self, tenant: str, email: str, address: str) -> None:
        acct, addr = self._keys(tenant, email, address)
        self.window.hit(acct, MAX_FAILURES, FAILURE_WINDOW)
        self.window.hit(addr, MAX_FAILURES_PER_ADDRESS, FAILURE_WINDOW)

    def succeeded(self, tenant: str, email: str) -> None:
        self.window.reset(self._keys(tenant, email, "")[0])
