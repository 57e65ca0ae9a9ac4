"""The credential cache: TTL, size bound, single-flight loads and invalidation epochs."""

from __future__ import annotations

import asyncio

from llm_gateway.services.auth.cache import TTLCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_entries_expire_after_the_ttl() -> None:
    clock = Clock()
    cache: TTLCache[str, int] = TTLCache(ttl_s=10, max_entries=10, clock=clock)
    cache.put("a", 1, epoch=cache.epoch)
    assert cache.lookup("a") == (True, 1)
    clock.now = 10.0
    assert cache.lookup("a") == (False, None)


async def test_size_is_bounded_least_recently_used_first() -> None:
    cache: TTLCache[int, int] = TTLCache(ttl_s=60, max_entries=3)
    for i in range(3):
        cache.put(i, i, epoch=cache.epoch)
    cache.lookup(0)  # 0 becomes most recently used
    cache.put(3, 3, epoch=cache.epoch)
    assert len(cache) == 3
    assert cache.lookup(1) == (False, None)
    assert cache.lookup(0) == (True, 0)


async def test_concurrent_misses_share_one_load() -> None:
    cache: TTLCache[str, int] = TTLCache(ttl_s=60, max_entries=10)
    calls = 0
    gate = asyncio.Event()

    async def load() -> int:
        nonlocal calls
        calls += 1
        await gate.wait()
        return 42

    waiters = [asyncio.create_task(cache.get_or_load("k", load)) for _ in range(5)]
    await asyncio.sleep(0)
    gate.set()
    assert await asyncio.gather(*waiters) == [42] * 5
    assert calls == 1
    assert await cache.get_or_load("k", load) == 42
    assert calls == 1


async def test_a_load_overtaken_by_an_invalidation_is_not_cached() -> None:
    cache: TTLCache[str, str] = TTLCache(ttl_s=60, max_entries=10)
    gate = asyncio.Event()

    async def stale_load() -> str:
        await gate.wait()
        return "read before the revoke"

    pending = asyncio.create_task(cache.get_or_load("k", stale_load))
    await asyncio.sleep(0)
    cache.discard("k")  # the revoke is committed and announced while the read is in flight
    gate.set()
    assert await pending == "read before the revoke"  # the in-flight caller still gets it
    assert cache.lookup("k") == (False, None)  # but nobody after it does


async def test_a_failed_load_is_not_cached_and_reaches_every_waiter() -> None:
    cache: TTLCache[str, int] = TTLCache(ttl_s=60, max_entries=10)

    async def broken() -> int:
        raise RuntimeError("database down")

    results = await asyncio.gather(
        cache.get_or_load("k", broken), cache.get_or_load("k", broken), return_exceptions=True
    )
    assert all(isinstance(r, RuntimeError) for r in results)
    assert cache.lookup("k") == (False, None)


async def test_a_flood_of_unknown_keys_cannot_evict_live_entries() -> None:
    cache: TTLCache[str, int | None] = TTLCache(ttl_s=60, max_entries=3, negative_max_entries=2)
    cache.put("live", 1, epoch=cache.epoch)
    for i in range(50):  # random credentials, each cached as "no such key"
        cache.put(f"bogus-{i}", None, epoch=cache.epoch)
    assert cache.lookup("live") == (True, 1)
    assert cache.lookup("bogus-49") == (True, None)  # recent misses are still remembered
    assert cache.lookup("bogus-0") == (False, None)  # old ones made room among themselves
    assert len(cache) == 3
    cache.discard("bogus-49")
    assert cache.lookup("bogus-49") == (False, None)
