#!/usr/bin/env bash
# Create the virtualenv and install DFRAS with its development tools.
# On a fresh Debian machine python3-venv may be missing: install it when we can (root or sudo).
set -euo pipefail
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}

if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "bootstrap: $PYTHON not found; install Python 3.11 or newer (apt-get install python3)" >&2
  exit 1
fi
"$PYTHON" - <<'PY' || { echo "bootstrap: DFRAS needs Python >= 3.11" >&2; exit 1; }
import sys
sys.exit(0 if sys.version_info >= (3, 11) else 1)
PY

if ! "$PYTHON" -m venv --help >/dev/null 2>&1 || ! "$PYTHON" -c "import ensurepip" >/dev/null 2>&1; then
  echo "bootstrap: the venv module is missing; installing python3-venv" >&2
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq python3-venv
fi

if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -e '.[dev]'
echo "bootstrap: DFRAS installed in $VENV"
