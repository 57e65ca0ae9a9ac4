"""One behaviour suite for both store implementations (Redis and in-process)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import pytest

from llm_gateway.core.config import StoreSettings
from llm_gateway.core.store import (
    MemoryData,
    Store,
    StoreScript,
    StoreUnavailableError,
    create_store,
)
from llm_gateway.core.store.base import ScriptArg
from tests.backends import Backend


@pytest.fixture
async def store(backend: Backend) -> AsyncIterator[Store]:
    from tests.conftest import build_settings

    settings = build_settings(backend)
    s = create_store(settings.store)
    yield s
    await s.close()


def _capped_incr(data: MemoryData, keys: Sequence[str], args: Sequence[ScriptArg]) -> int:
    current = int(data.get(keys[0]) or 0)
    limit = int(args[0])
    if current >= limit:
        return -1
    data.set(keys[0], str(current + 1).encode(), float(args[1]))
    return current + 1


CAPPED_INCR = StoreScript(
    name="test_capped_incr",
    lua="""
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current >= tonumber(ARGV[1]) then return -1 end
redis.call('SET', KEYS[1], current + 1, 'PX', math.floor(tonumber(ARGV[2]) * 1000))
return current + 1
""",
    python=_capped_incr,
)


async def test_get_set_delete(store: Store) -> None:
    assert await store.get("k") is None
    assert await store.set("k", b"v")
    assert await store.get("k") == b"v"
    assert await store.set("k", "text")
    assert await store.get("k") == b"text"
    assert await store.delete("k", "missing") == 1
    assert await store.get("k") is None


async def test_set_nx_only_when_absent(store: Store) -> None:
    assert await store.set("once", b"1", nx=True)
    assert not await store.set("once", b"2", nx=True)
    assert await store.get("once") == b"1"


async def test_ttl_expires_keys(store: Store) -> None:
    await store.set("short", b"x", ttl_s=0.15)
    ttl = await store.ttl("short")
    assert ttl is not None
    assert 0 < ttl <= 0.15
    await asyncio.sleep(0.3)
    assert await store.get("short") is None
    assert await store.ttl("short") is None


async def test_incr_is_atomic_under_concurrency(store: Store) -> None:
    results = await asyncio.gather(*(store.incr("counter") for _ in range(200)))
    assert sorted(results) == list(range(1, 201))
    assert await store.get("counter") == b"200"


async def test_incr_ttl_applies_on_creation_only(store: Store) -> None:
    await store.incr("window", ttl_s=10)
    first = await store.ttl("window")
    await asyncio.sleep(0.05)
    await store.incr("window", ttl_s=10)
    second = await store.ttl("window")
    assert first is not None
    assert second is not None
    assert second < first  # not reset by the second increment


async def test_script_runs_atomically_on_both(store: Store) -> None:
    results = await asyncio.gather(
        *(store.run_script(CAPPED_INCR, ["capped"], [5, 10]) for _ in range(20))
    )
    assert sorted(r for r in results if r != -1) == [1, 2, 3, 4, 5]
    assert results.count(-1) == 15


async def test_lists_push_and_pop_in_order(store: Store) -> None:
    assert await store.push("q", b"a", b"b") == 2
    assert await store.push("q", b"c") == 3
    assert await store.length("q") == 3
    assert await store.pop_many("q", 2) == [b"a", b"b"]
    assert await store.pop_many("q", 5) == [b"c"]
    assert await store.pop_many("q", 5) == []
    assert await store.length("q") == 0


async def test_pubsub_delivers_to_subscribers(store: Store) -> None:
    async with store.subscribe("events") as messages:
        await asyncio.sleep(0.05)  # let the subscription register on Redis
        await store.publish("events", b"hello")
        received = await asyncio.wait_for(anext(messages), timeout=3)
    assert received == b"hello"


async def test_namespaces_isolate_stores(backend: Backend) -> None:
    from tests.conftest import build_settings

    a = create_store(build_settings(backend).store)
    b = create_store(build_settings(backend).store)
    try:
        await a.set("shared-name", b"a")
        assert await b.get("shared-name") is None
    finally:
        await a.close()
        await b.close()


async def test_unreachable_redis_raises_store_unavailable() -> None:
    store = create_store(
        StoreSettings(redis_url="redis://user:hunter2@127.0.0.1:1/0", socket_timeout_s=0.5)
    )
    try:
        with pytest.raises(StoreUnavailableError) as info:
            await store.get("x")
        assert "127.0.0.1:1" in info.value.message
        assert "hunter2" not in info.value.message
    finally:
        await store.close()


async def test_cancelled_subscriber_stops(store: Store) -> None:
    """Shutdown cancels listener tasks; they must end instead of hanging in 'cancelling'."""

    async def listen() -> None:
        async with store.subscribe("shutdown-probe") as messages:
            async for _ in messages:
                pass

    for _ in range(10):
        task = asyncio.create_task(listen())
        await asyncio.sleep(0.02)
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=5)
        assert task in done, "subscriber ignored cancellation"
