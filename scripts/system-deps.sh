#!/usr/bin/env bash
# System tools some tests use (nginx for the SSE and scale-out tests, bubblewrap for the
# code sandbox, docker-compose to validate the compose files, openssl for dev certificates,
# Debian's chromium + a Korean font for the console's browser tests and screenshots; Playwright
# drives that chromium, it never downloads a browser of its own). Installed with apt when running
# as root on Debian/Ubuntu; the tests that need a missing tool are skipped with a message otherwise
# (and fail under CI=true).
set -euo pipefail
want=()
for pair in "nginx:nginx" "bwrap:bubblewrap" "docker-compose:docker-compose" "openssl:openssl"; do
  cmd=${pair%%:*}; pkg=${pair#*:}
  command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || want+=("$pkg")
done
# Any Chromium-family browser will do (tests/integration/console_browser/browser.py finds it).
if [ -z "${LLMGW_TEST_CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1 && \
  ! command -v chromium-browser >/dev/null 2>&1 && ! command -v google-chrome >/dev/null 2>&1; then
  want+=("chromium")
fi
# Hangul glyphs for the Korean console pages (screenshots would show empty boxes without one).
[ -e /usr/share/fonts/truetype/nanum/NanumGothic.ttf ] || want+=("fonts-nanum")
if [ ${#want[@]} -gt 0 ]; then
  sudo=()
  if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)  # CI runners: passwordless sudo
  fi
  if { [ "$(id -u)" = 0 ] || [ ${#sudo[@]} -gt 0 ]; } && command -v apt-get >/dev/null 2>&1; then
    echo "system-deps: installing ${want[*]}" >&2
    "${sudo[@]}" apt-get update -qq >/dev/null || true
    install=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq)
    if ! "${install[@]}" "${want[@]}" >/dev/null; then
      for pkg in "${want[@]}"; do  # one missing package (chromium on Ubuntu) must not block the rest
        "${install[@]}" "$pkg" >/dev/null || \
          echo "system-deps: could not install $pkg; tests that need it will skip" >&2
      done
    fi
  else
    echo "system-deps: missing ${want[*]} (not root or no apt); tests that need them will skip" >&2
  fi
fi
