"""Credentials the service keeps (SMTP passwords, webhook secrets, partner tokens), encrypted
at rest with a key held outside the database.

The key is ``DFRAS_VAULT_KEY`` (or the file ``DFRAS_VAULT_KEY_FILE``): one or more Fernet keys
separated by commas, the first used to encrypt, all tried to decrypt, so keys can be rotated
(add a new first key, run :func:`rotate`, then drop the old one). A stolen database dump holds
only ciphertext; the API returns whether a secret is set, never the secret.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from dfras.auth.secrets import load_secret
from dfras.domain.errors import UserError

PREFIX = "vault:v1:"


def new_key() -> str:
    """A fresh key to put in ``DFRAS_VAULT_KEY``."""
    return Fernet.generate_key().decode()


class Vault:
    """Encrypts and decrypts short secrets."""

    def __init__(self, keys: str | None = None) -> None:
        raw = keys if keys is not None else load_secret("vault_key", min_bytes=32).decode()
        try:
            self._f = MultiFernet([Fernet(k.strip().encode()) for k in raw.split(",") if k.strip()])
        except (ValueError, TypeError) as exc:
            raise UserError(
                "DFRAS_VAULT_KEY is not a valid key list",
                hint="generate one with `dfras secrets new-key`",
            ) from exc

    def seal(self, secret: str) -> str:
        return PREFIX + self._f.encrypt(secret.encode("utf-8")).decode()

    def open(self, sealed: str) -> str:
        if not sealed.startswith(PREFIX):
            raise UserError("stored secret is not sealed by the vault")
        try:
            return self._f.decrypt(sealed[len(PREFIX) :].encode()).decode("utf-8")
        except InvalidToken:
            raise UserError(
                "stored secret cannot be decrypted with the configured DFRAS_VAULT_KEY",
                hint="the key was changed without rotating; restore the old key as a second key",
            ) from None

    def rotate(self, sealed: str) -> str:
        """``sealed`` re-encrypted under the first key."""
        return PREFIX + self._f.rotate(sealed[len(PREFIX) :].encode()).decode()


def is_sealed(value: str | None) -> bool:
    return bool(value) and str(value).startswith(PREFIX)
