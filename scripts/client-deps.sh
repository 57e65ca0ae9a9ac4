#!/usr/bin/env bash
# Real client programs the client tests drive, from npm at the exact versions below, installed
# into .cache/npm (repo-local; nothing global). Idempotent: a package is installed only when that
# version is not already there. Installs node/npm with apt when missing and running as root on
# Debian/Ubuntu. Without CI=true a failure only warns (the client tests then skip); with CI=true
# it fails, so a green CI run means the clients really ran.
set -euo pipefail
cd "$(dirname "$0")/.."
CODEX_VERSION=0.171.0   # @openai/codex; keep in step with tests/integration/proxy/test_codex_cli.py
CLAUDE_CODE_VERSION=2.1.332   # @anthropic-ai/claude-code; keep in step with tests/integration/clients/claude_code.py
prefix=.cache/npm

fail() {
  echo "client-deps: $*" >&2
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  echo "client-deps: continuing; the client tests will skip" >&2
  exit 0
}

# Every tool as "package version bin". They are installed together, in one npm command: npm
# prunes what its command line does not name, so installing one alone would remove the others.
TOOLS=(
  "@openai/codex $CODEX_VERSION codex"
  "@anthropic-ai/claude-code $CLAUDE_CODE_VERSION claude"
)

# True when every tool's BIN --version already names its VERSION.
all_installed() {
  local package version bin
  for tool in "${TOOLS[@]}"; do
    read -r package version bin <<<"$tool"
    "$prefix/node_modules/.bin/$bin" --version 2>/dev/null | grep -qw -- "$version" || return 1
  done
}

if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "client-deps: installing nodejs and npm" >&2
    apt-get update -qq >/dev/null || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null || true
  fi
  command -v npm >/dev/null 2>&1 || fail "npm is missing (install Node.js and npm)"
fi
all_installed && exit 0
specs=()
for tool in "${TOOLS[@]}"; do
  read -r package version bin <<<"$tool"
  specs+=("$package@$version")
done
mkdir -p "$prefix"
echo "client-deps: installing ${specs[*]} into $prefix" >&2
# Native binaries come in optional per-platform packages; --foreground-scripts shows any
# postinstall output if that step fails.
npm install --prefix "$prefix" --no-audit --no-fund --no-save --foreground-scripts "${specs[@]}" \
  >"$prefix/install.log" 2>&1 || { tail -20 "$prefix/install.log" >&2; fail "npm install failed"; }
all_installed || { tail -20 "$prefix/install.log" >&2; fail "a client does not run after install"; }
