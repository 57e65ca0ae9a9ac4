"""The breaker's store scripts behave the same on Redis (Lua) and in process (Python twin)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from llm_gateway.core.store import Store, create_store
from llm_gateway.services.routing.health import (
    ACTIVE_COOLDOWNS,
    COOLDOWNS_KEY,
    FAILURES_KEY,
    RECORD_FAILURE,
    CooldownTracker,
)
from tests.backends import Backend
from tests.conftest import build_settings


@pytest.fixture
async def store(backend: Backend) -> AsyncIterator[Store]:
    s = create_store(build_settings(backend).store)
    yield s
    await s.close()


async def fail(
    store: Store, deployment: str, *, threshold: int = 3, cooldown_ms: int = 60_000
) -> int:
    result = await store.run_script(
        RECORD_FAILURE,
        [FAILURES_KEY + deployment, COOLDOWNS_KEY],
        [60_000, threshold, cooldown_ms, deployment],
    )
    return int(result)


async def test_breaker_opens_on_the_nth_failure_and_reports_remaining_time(store: Store) -> None:
    assert [await fail(store, "d1") for _ in range(2)] == [0, 0]
    assert await fail(store, "d1") == 60_000
    again = await fail(store, "d1")  # already open: reports what is left, does not extend
    assert 59_000 < again <= 60_000
    flat = await store.run_script(ACTIVE_COOLDOWNS, [COOLDOWNS_KEY])
    assert flat[0] == b"d1"
    assert 59_000 < int(flat[1]) <= 60_000
    assert len(flat) == 2


async def test_expired_cooldowns_disappear(store: Store) -> None:
    for _ in range(3):
        await fail(store, "d2", cooldown_ms=50)
    await asyncio.sleep(0.12)
    assert await store.run_script(ACTIVE_COOLDOWNS, [COOLDOWNS_KEY]) == []
    assert await fail(store, "d2", cooldown_ms=50) == 0  # counting starts afresh


async def test_trackers_on_one_store_share_open_breakers(store: Store) -> None:
    def tracker() -> CooldownTracker:
        return CooldownTracker(store, failures=2, window_s=60, cooldown_s=30, sync_interval_s=0)

    first, second = tracker(), tracker()
    await first.record_failure("d3")
    await second.record_failure("d3")  # failures from two instances add up
    await first.sync()
    assert first.remaining_s("d3") > 29
    await second.sync()
    assert second.remaining_s("d3") > 29
