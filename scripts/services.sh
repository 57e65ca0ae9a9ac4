#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer on their test addresses; start (or, as root on
# Debian/Ubuntu, install) them when needed. Point the suite elsewhere with
# LLMGW_TEST_POSTGRES_URL and LLMGW_TEST_REDIS_URL (then nothing is started here).
set -euo pipefail

PG_HOST=${PGHOST_TEST:-127.0.0.1}
PG_PORT=${PGPORT_TEST:-5432}
REDIS_PORT=${REDIS_PORT_TEST:-6379}

say() { echo "services: $*" >&2; }
can_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }
apt_install() {
  say "installing $* with apt-get"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

pg_up() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT" 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

ensure_postgres() {
  [ -n "${LLMGW_TEST_POSTGRES_URL:-}" ] && return 0
  if ! command -v pg_ctlcluster >/dev/null 2>&1 && ! command -v pg_isready >/dev/null 2>&1; then
    if can_apt; then apt_install postgresql; else
      say "PostgreSQL is not installed. Install it (e.g. 'apt-get install postgresql') or set"
      say "LLMGW_TEST_POSTGRES_URL=postgresql+asyncpg://user@host:port/postgres to use a running server."
      exit 1
    fi
  fi
  if pg_up; then return 0; fi
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    say "starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  fi
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  if ! pg_up; then say "PostgreSQL did not come up on $PG_HOST:$PG_PORT"; exit 1; fi
  # Trust auth on loopback is what the test suite expects from a local throwaway server.
}

ensure_redis() {
  [ -n "${LLMGW_TEST_REDIS_URL:-}" ] && return 0
  if ! command -v redis-server >/dev/null 2>&1; then
    if can_apt; then apt_install redis-server; else
      say "Redis is not installed. Install it (e.g. 'apt-get install redis-server') or set"
      say "LLMGW_TEST_REDIS_URL=redis://host:port/0 to use a running server."
      exit 1
    fi
  fi
  if redis_up; then return 0; fi
  say "starting Redis on 127.0.0.1:$REDIS_PORT"
  mkdir -p /tmp/llmgw-redis
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" \
    --appendonly no --dir /tmp/llmgw-redis --logfile /tmp/llmgw-redis/redis.log
  for _ in $(seq 1 20); do redis_up && break; sleep 0.5; done
  if ! redis_up; then say "Redis did not come up on 127.0.0.1:$REDIS_PORT"; exit 1; fi
}

ensure_postgres
ensure_redis
say "PostgreSQL and Redis are up"
