#!/usr/bin/env bash
# Install (if needed) and run the gateway on the embedded default: SQLite under ./var/, the
# in-process store and the bundled demo upstream. No keys, no services.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
mkdir -p var
exec .venv/bin/llm-gateway serve "$@"
