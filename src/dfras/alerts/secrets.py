"""Reading a channel's secret (webhook signing key, SMTP password) from where it is kept.

Channels store a *reference*: ``env:NAME`` (an environment variable) or ``file:PATH`` (a file
whose content, stripped, is the secret) — or, when the service holds a vault key
(``DFRAS_VAULT_KEY``, kept outside the database), a literal secret given to it is **sealed**
(``vault:v1:…``, Fernet) before it is stored. Without a vault key literal secrets are refused.
All secret access goes through :func:`read_secret`; what users are shown is
:func:`shown`, which never reveals a sealed secret.

Example:
    >>> is_reference("env:DFRAS_HOOK_SECRET")
    True
"""

from __future__ import annotations

import os
from pathlib import Path

from dfras.domain.errors import UserError

PREFIXES = ("env:", "file:")
SEALED = "vault:v1:"
#: What users see instead of a sealed secret.
HIDDEN = "(sealed secret set)"


def is_reference(text: str) -> bool:
    """Whether ``text`` is a secret reference (or a sealed secret) this module can read."""
    if text.startswith(SEALED):
        return True
    return text.startswith(PREFIXES) and len(text.split(":", 1)[1].strip()) > 0


def _vault_configured() -> bool:
    return bool(os.environ.get("DFRAS_VAULT_KEY") or os.environ.get("DFRAS_VAULT_KEY_FILE"))


def check_reference(text: str, *, field: str) -> str:
    """``text`` if it is a reference; a literal secret sealed by the vault when a vault key
    is configured; otherwise a UserError (a literal secret is never stored in clear)."""
    if is_reference(text):
        return text
    if _vault_configured():
        from dfras.privacy.vault import Vault

        return Vault().seal(text)
    raise UserError(
        f"{field} must reference a secret, not contain it: got a value that is neither "
        "env:NAME nor file:PATH (and no DFRAS_VAULT_KEY to seal it with)",
        hint=f"put the secret in an environment variable and write {field}=env:NAME, "
        "or give the service a vault key (DFRAS_VAULT_KEY) to store it encrypted",
    )


def shown(value: object) -> object:
    """A config value as users may see it: sealed secrets hidden, references kept."""
    if isinstance(value, str) and value.startswith(SEALED):
        return HIDDEN
    return value


def read_secret(reference: str) -> str:
    """The secret a reference points at; a UserError naming the reference when it is missing."""
    if reference.startswith(SEALED):
        from dfras.privacy.vault import Vault

        return Vault().open(reference)
    kind, _, where = reference.partition(":")
    where = where.strip()
    if kind == "env":
        value = os.environ.get(where)
        if not value:
            raise UserError(f"secret {reference}: environment variable {where} is not set")
        return value
    if kind == "file":
        path = Path(where).expanduser()
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UserError(f"secret {reference}: cannot read {path}: {exc.strerror}") from exc
        if not value:
            raise UserError(f"secret {reference}: {path} is empty")
        return value
    raise UserError(f"secret reference {reference!r} is neither env:NAME nor file:PATH")
