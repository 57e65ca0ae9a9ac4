"""Redis up but refusing writes — at ``maxmemory`` (OOM) or a read-only replica (READONLY) — is
an outage to the store's callers: StoreUnavailableError, like a stopped server, for plain
commands and for scripts sent alone or together. Real servers, on private ports."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from llm_gateway.core.config import StoreSettings
from llm_gateway.core.store import StoreUnavailableError, create_store
from tests.integration.core.test_store_scripts import TAKE
from tests.outages import PrivateRedis, fill_past_maxmemory


async def _assert_writes_are_an_outage(url: str) -> None:
    store = create_store(StoreSettings(redis_url=url, namespace="refuse:"))
    try:
        await store.get("anything")  # reads still work
        with pytest.raises(StoreUnavailableError):
            await store.push("list", b"x")
        with pytest.raises(StoreUnavailableError):
            await store.run_script(TAKE, ["alone"], [100])
        together = await asyncio.gather(
            *(store.run_script(TAKE, [f"k{i}"], [100]) for i in range(3)), return_exceptions=True
        )
        assert all(isinstance(r, StoreUnavailableError) for r in together), together
    finally:
        await store.close()


async def test_redis_at_maxmemory_is_an_outage(private_redis: PrivateRedis) -> None:
    fill_past_maxmemory(private_redis.url)
    await _assert_writes_are_an_outage(private_redis.url)


async def test_a_read_only_replica_is_an_outage(
    private_redis: PrivateRedis, tmp_path: Path
) -> None:
    """A gateway pointed at a replica (a failover gone wrong) gets READONLY on every write."""
    replica = PrivateRedis(tmp_path / "replica")
    (tmp_path / "replica").mkdir()
    replica.start()
    raw = aioredis.Redis.from_url(replica.url)
    try:
        await raw.replicaof("127.0.0.1", private_redis.port)
        await _assert_writes_are_an_outage(replica.url)
    finally:
        await raw.aclose()
        replica.stop()
