#!/usr/bin/env bash
# Proxy overhead benchmark (docs/BENCHMARKS.md, "Proxy overhead"): installs wrk if missing, then
# runs bench/proxy_bench.py over the floor, both gateway backends (PostgreSQL + Redis from
# LLMGW_BENCH_POSTGRES_URL / LLMGW_BENCH_REDIS_URL, default the local servers) and LiteLLM
# (installed once into ~/.cache/llm-gateway/, or LLMGW_BENCH_LITELLM_VENV), plus a Locust run, and writes the tables into
# docs/BENCHMARKS.md. Extra arguments go to the driver, e.g. `bash bench/run.sh --duration 5`.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bench: installing wrk" >&2
    apt-get update -qq >/dev/null || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    echo "bench: wrk is required (apt-get install wrk)" >&2
    exit 1
  fi
fi
exec .venv/bin/python bench/proxy_bench.py --write-doc docs/BENCHMARKS.md "$@"
