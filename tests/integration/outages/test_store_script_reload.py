"""Scripts survive Redis forgetting them (restart, SCRIPT FLUSH), alone or sent together."""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis

from llm_gateway.core.config import StoreSettings
from llm_gateway.core.store import create_store
from tests.integration.core.test_store_scripts import TAKE
from tests.outages import PrivateRedis


async def test_scripts_are_reloaded_after_a_script_flush(private_redis: PrivateRedis) -> None:
    """A Redis restart or SCRIPT FLUSH forgets loaded scripts; calls (alone or together) recover.

    On a private Redis: flushing the shared server's script cache would touch other tests.
    """
    store = create_store(StoreSettings(redis_url=private_redis.url, namespace="reload:"))
    raw = aioredis.Redis.from_url(private_redis.url)
    key = "batch:reload"
    try:
        assert int((await store.run_script(TAKE, [key], [100]))[1]) == 1
        await raw.script_flush()
        assert int((await store.run_script(TAKE, [key], [100]))[1]) == 2
        await raw.script_flush()
        together = await asyncio.gather(*(store.run_script(TAKE, [key], [100]) for _ in range(3)))
        assert sorted(int(r[1]) for r in together) == [3, 4, 5]
    finally:
        await raw.aclose()
        await store.close()
