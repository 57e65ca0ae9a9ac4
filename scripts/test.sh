#!/usr/bin/env bash
# The whole test suite from a fresh clone: install, start services, lint, type-check, test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/system-deps.sh
bash scripts/client-deps.sh
bash scripts/services.sh
echo "== ruff" >&2
.venv/bin/ruff check src tests bench scripts alembic
.venv/bin/ruff format --check src tests bench scripts alembic
echo "== mypy" >&2
.venv/bin/mypy
echo "== pytest" >&2
.venv/bin/pytest "$@"
