"""Secrets from the environment or a file, never from code.

``DFRAS_JWT_SECRET`` holds the value; ``DFRAS_JWT_SECRET_FILE`` names a file holding it (the
usual way to mount a secret into a container). A signing key shorter than 32 bytes is refused.
"""

from __future__ import annotations

import os
from pathlib import Path

from dfras.domain.errors import UserError

MIN_KEY_BYTES = 32


def load_secret(name: str, *, min_bytes: int = MIN_KEY_BYTES) -> bytes:
    """The secret ``DFRAS_<NAME>`` (or the content of the file ``DFRAS_<NAME>_FILE``)."""
    var = f"DFRAS_{name.upper()}"
    value = os.environ.get(var)
    file_var = f"{var}_FILE"
    if value is None and os.environ.get(file_var):
        path = Path(os.environ[file_var])
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UserError(f"{file_var}: cannot read {path}: {exc.strerror}") from exc
    if not value:
        raise UserError(
            f"secret {var} is not set",
            hint=f"set {var} or point {file_var} at a file holding at least {min_bytes} bytes",
        )
    raw = value.encode("utf-8")
    if len(raw) < min_bytes:
        raise UserError(f"secret {var} is too short: {len(raw)} bytes, at least {min_bytes}")
    return raw
