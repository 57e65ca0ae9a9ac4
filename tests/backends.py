"""Test backends: a throwaway PostgreSQL database + Redis namespace, or SQLite + in-process store.

Every pytest process gets its own database (``llmgw_test_<random>``) and Redis key namespace, so
several test runs can share one server without stepping on each other.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import redis

from llm_gateway.core.config import DatabaseSettings
from llm_gateway.core.migrations import upgrade

ADMIN_PG_URL = os.environ.get(
    "LLMGW_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
TEST_REDIS_URL = os.environ.get("LLMGW_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RUN_ID = secrets.token_hex(4)
BACKEND_SUFFIX_COUNTER = itertools.count()


@dataclass
class Backend:
    """Where one test session keeps its data."""

    name: str
    database_url: str
    redis_url: str | None
    namespace: str

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postgresql")


def _raw_pg(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


async def _pg_exec(sql: str) -> None:
    conn = await asyncpg.connect(_raw_pg(ADMIN_PG_URL))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def create_postgres_database(suffix: str = "") -> str:
    """Create an empty database and return its SQLAlchemy URL."""
    name = f"llmgw_test_{RUN_ID}{suffix}"
    asyncio.run(_pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    asyncio.run(_pg_exec(f'CREATE DATABASE "{name}"'))
    return _with_database(ADMIN_PG_URL, name)


def drop_postgres_database(url: str) -> None:
    name = url.rpartition("/")[2]
    asyncio.run(_pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def delete_redis_namespace(namespace: str) -> None:
    client = redis.Redis.from_url(TEST_REDIS_URL)
    try:
        keys = list(client.scan_iter(match=namespace + "*", count=1000))
        for i in range(0, len(keys), 500):
            client.delete(*keys[i : i + 500])
    finally:
        client.close()


def make_backend(name: str, tmp_dir: Path) -> Backend:
    """Create the database for ``name`` ("postgres" or "sqlite") and migrate it to head."""
    namespace = f"llmgw-test:{RUN_ID}:"
    if name == "postgres":
        url = create_postgres_database()
        backend = Backend(name, url, TEST_REDIS_URL, namespace)
    else:
        url = f"sqlite+aiosqlite:///{tmp_dir / 'gateway.db'}"
        backend = Backend(name, url, None, namespace)
    upgrade(DatabaseSettings(url=url))
    return backend


def destroy_backend(backend: Backend) -> None:
    if backend.is_postgres:
        drop_postgres_database(backend.database_url)
    if backend.redis_url:
        delete_redis_namespace(backend.namespace)
