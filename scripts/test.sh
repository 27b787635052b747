#!/usr/bin/env bash
# The whole test command: format, lint, types, unit and integration tests.
set -euo pipefail
VENV=${VENV:-.venv}
BIN="$VENV/bin"

echo "== services"
bash scripts/services.sh
echo "== ruff format"
"$BIN/ruff" format --check src tests bench
echo "== ruff check"
"$BIN/ruff" check src tests bench
echo "== mypy"
"$BIN/mypy"
echo "== pytest"
"$BIN/pytest" tests -q -p no:cacheprovider --durations=25
