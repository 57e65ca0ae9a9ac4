#!/usr/bin/env bash
# Real client programs the client tests drive, from npm at the exact versions below, installed
# into .cache/npm (repo-local; nothing global). Idempotent: a package is installed only when that
# version is not already there. Installs node/npm with apt when missing and running as root on
# Debian/Ubuntu. Without CI=true a failure only warns (the client tests then skip); with CI=true
# it fails, so a green CI run means the clients really ran.
set -euo pipefail
cd "$(dirname "$0")/.."
CODEX_VERSION=0.171.0   # @openai/codex; keep in step with tests/integration/proxy/test_codex_cli.py
prefix=.cache/npm

fail() {
  echo "client-deps: $*" >&2
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  echo "client-deps: continuing; the client tests will skip" >&2
  exit 0
}

# install PACKAGE VERSION BIN: npm-install PACKAGE@VERSION unless BIN --version already says VERSION.
install() {
  local package=$1 version=$2 bin="$prefix/node_modules/.bin/$3"
  if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -qw -- "$version"; then
    return 0
  fi
  mkdir -p "$prefix"
  echo "client-deps: installing $package@$version into $prefix" >&2
  # Native binaries come in optional per-platform packages; --foreground-scripts shows any
  # postinstall output if that step fails.
  npm install --prefix "$prefix" --no-audit --no-fund --no-save --foreground-scripts \
    "$package@$version" >"$prefix/install-$3.log" 2>&1 \
    || { tail -20 "$prefix/install-$3.log" >&2; fail "npm install of $package failed"; }
  "$bin" --version >/dev/null 2>&1 \
    || { tail -20 "$prefix/install-$3.log" >&2; fail "$3 does not run after install"; }
}

if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "client-deps: installing nodejs and npm" >&2
    apt-get update -qq >/dev/null || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null || true
  fi
  command -v npm >/dev/null 2>&1 || fail "npm is missing (install Node.js and npm)"
fi
install @openai/codex "$CODEX_VERSION" codex
