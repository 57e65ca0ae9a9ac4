"""The private-server fixtures themselves: stop means down, start means back on the same URL."""

from __future__ import annotations

import asyncpg
import pytest
import redis.asyncio as aioredis

from tests.outages import PrivatePostgres, PrivateRedis


async def test_private_redis_stops_and_comes_back(private_redis: PrivateRedis) -> None:
    client = aioredis.Redis.from_url(private_redis.url)
    try:
        assert await client.ping()
        private_redis.stop()
        with pytest.raises(aioredis.ConnectionError):
            await client.ping()
        private_redis.start()
        assert await client.ping()
    finally:
        await client.aclose()


async def test_private_postgres_stops_and_comes_back(private_postgres: PrivatePostgres) -> None:
    raw = private_postgres.database_url.replace("+asyncpg", "")
    conn = await asyncpg.connect(raw)
    assert await conn.fetchval("SELECT count(*) FROM usage_records") == 0
    private_postgres.stop()
    with pytest.raises((OSError, asyncpg.PostgresError, asyncpg.InterfaceError)):
        await conn.fetchval("SELECT 1")
    private_postgres.start()
    conn = await asyncpg.connect(raw)
    try:
        assert await conn.fetchval("SELECT 1") == 1
    finally:
        await conn.close()
