"""SIGTERM with PostgreSQL down: the held usage records spill to Redis and are replayed later.

Before: the spill failed on asyncpg's UUID type (orjson refused it) and 455 of 600 records were
lost at shutdown. A real ``llm-gateway serve`` process, a private PostgreSQL that the test stops,
a private Redis holding the spill list.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import httpx
import pytest
import redis.asyncio as aioredis

from llm_gateway.fake_upstream import FakeUpstream
from tests.integration.quotas.support import MASTER, MASTER_KEY, chat, write_registry
from tests.outages import PrivatePostgres, PrivateRedis, gateway_env, gateway_process

pytestmark = pytest.mark.slow  # two gateway processes and a PostgreSQL restart: ~30 s

SPILL_KEY = "outage:usage:spill"


async def _rows(database_url: str) -> int:
    conn = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        return int(await conn.fetchval("SELECT count(*) FROM usage_records"))
    finally:
        await conn.close()


async def _user_key(client: httpx.AsyncClient) -> dict[str, str]:
    """A user's API key: its usage rows carry ids read from PostgreSQL (asyncpg's UUID)."""
    account = {"email": "owner@example.com", "password": "correct-horse-battery-staple"}
    assert (await client.post("/auth/register", json=account)).status_code == 201
    tokens = (await client.post("/auth/login", json=account)).json()
    created = await client.post(
        "/users/me/api-keys",
        json={"name": "outage"},
        headers={"authorization": f"Bearer {tokens['access_token']}"},
    )
    assert created.status_code == 201, created.text
    return {"authorization": f"Bearer {created.json()['key']}"}


async def test_sigterm_with_postgres_down_spills_and_the_next_start_replays(
    private_postgres: PrivatePostgres, private_redis: PrivateRedis, tmp_path: Path
) -> None:
    async with FakeUpstream(seed=1) as fake:
        env = gateway_env(
            LLMGW_DATABASE_URL=private_postgres.database_url,
            LLMGW_REDIS_URL=private_redis.url,
            LLMGW_STORE__NAMESPACE="outage:",
            LLMGW_SECURITY__MASTER_KEY=MASTER_KEY,
            LLMGW_SECURITY__ARGON2_TIME_COST="1",
            LLMGW_SECURITY__ARGON2_MEMORY_KIB="64",
            LLMGW_PROVIDERS__MODELS_FILE=str(write_registry(tmp_path, fake.base_url)),
            LLMGW_QUOTAS__TIERS='{"unlimited": {}}',
            LLMGW_QUOTAS__DEFAULT_TIER="unlimited",
            LLMGW_QUOTAS__USAGE__FLUSH_INTERVAL_S="0.2",
            LLMGW_QUOTAS__USAGE__RETRY_MAX_S="0.5",
        )
        answered = 0
        codes: list[int] = []
        async with gateway_process(env, tmp_path) as gateway:
            async with httpx.AsyncClient(base_url=gateway.base_url, timeout=30) as client:
                key = await _user_key(client)
                for _ in range(20):  # written while PostgreSQL is up
                    reply = await client.post("/v1/chat/completions", json=chat(), headers=key)
                    answered += reply.status_code == 200
                for _ in range(100):
                    if await _rows(private_postgres.database_url) == 20:
                        break
                    await asyncio.sleep(0.1)
                private_postgres.stop()
                for headers in (key, MASTER):  # held while it is down
                    for _ in range(15):
                        reply = await client.post(
                            "/v1/chat/completions", json=chat(), headers=headers
                        )
                        answered += reply.status_code == 200
                        codes.append(reply.status_code)
            assert answered == 50, codes
            # uvicorn shuts down gracefully, then re-raises the signal it caught.
            assert await gateway.sigterm() in (0, -15)
        store = aioredis.Redis.from_url(private_redis.url)
        try:
            assert await store.llen(SPILL_KEY) == 30  # every held record, none lost
        finally:
            await store.aclose()
        private_postgres.start()
        assert await _rows(private_postgres.database_url) == 20
        async with gateway_process(env, tmp_path):
            for _ in range(300):
                if await _rows(private_postgres.database_url) == answered:
                    break
                await asyncio.sleep(0.1)
        assert await _rows(private_postgres.database_url) == answered
