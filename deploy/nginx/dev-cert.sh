#!/usr/bin/env bash
# A self-signed certificate for local TLS (development only): deploy/nginx/certs/server.{crt,key}.
set -euo pipefail
dir=${1:-"$(dirname "$0")/certs"}
mkdir -p "$dir"
if [ -s "$dir/server.crt" ] && [ -s "$dir/server.key" ]; then
  echo "dev-cert: $dir already has a certificate" >&2
  exit 0
fi
openssl req -x509 -newkey rsa:2048 -nodes -days 365 \
  -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$dir/server.key" -out "$dir/server.crt" 2>/dev/null
chmod 600 "$dir/server.key"
echo "dev-cert: wrote $dir/server.crt and $dir/server.key" >&2
