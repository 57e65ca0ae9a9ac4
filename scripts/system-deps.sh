#!/usr/bin/env bash
# System tools some tests use (nginx for the SSE and scale-out tests, bubblewrap for the
# code sandbox, docker-compose to validate the compose files, openssl for dev certificates). Installed with apt when running as root on Debian/Ubuntu; the tests that need
# a missing tool are skipped with a message otherwise.
set -euo pipefail
want=()
for pair in "nginx:nginx" "bwrap:bubblewrap" "docker-compose:docker-compose" "openssl:openssl"; do
  cmd=${pair%%:*}; pkg=${pair#*:}
  command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || want+=("$pkg")
done
if [ ${#want[@]} -gt 0 ]; then
  sudo=()
  if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)  # CI runners: passwordless sudo
  fi
  if { [ "$(id -u)" = 0 ] || [ ${#sudo[@]} -gt 0 ]; } && command -v apt-get >/dev/null 2>&1; then
    echo "system-deps: installing ${want[*]}" >&2
    "${sudo[@]}" apt-get update -qq >/dev/null || true
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${want[@]}" >/dev/null || \
      echo "system-deps: could not install ${want[*]}; tests that need them will skip" >&2
  else
    echo "system-deps: missing ${want[*]} (not root or no apt); tests that need them will skip" >&2
  fi
fi
