#!/usr/bin/env bash
# Create .venv and install the gateway with its dev tools from the pinned lock file.
# Idempotent: reinstalls only when pyproject.toml or requirements.lock changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-}
if [ -z "$PYTHON" ]; then
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      PYTHON=$candidate; break
    fi
  done
fi
if [ -z "$PYTHON" ]; then
  echo "bootstrap: Python >= 3.11 is required (set PYTHON=/path/to/python3.11)" >&2
  exit 1
fi

# The venv must run the interpreter asked for (CI names one): rebuild it when it does not.
want_version=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])') || {
  echo "bootstrap: PYTHON=$PYTHON does not run" >&2
  exit 1
}
if [ -x .venv/bin/python ]; then
  have_version=$(.venv/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])' || true)
  if [ "$have_version" != "$want_version" ]; then
    echo "bootstrap: .venv runs Python $have_version, $PYTHON is $want_version: recreating it" >&2
    rm -rf .venv
  fi
fi
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.llmgw-installed
want=$(cat pyproject.toml requirements.lock | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
  echo "$want" > "$stamp"
fi
