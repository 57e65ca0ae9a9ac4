"""The circuit breaker's counting and expiry on the in-process store (Redis: integration tests)."""

from __future__ import annotations

from llm_gateway.core.store.base import MemoryData
from llm_gateway.core.store.memory import MemoryStore
from llm_gateway.services.routing.health import CooldownTracker


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def tracker(store: MemoryStore, clock: Clock, **kw: float) -> CooldownTracker:
    values = {"failures": 3, "window_s": 10.0, "cooldown_s": 30.0, "sync_interval_s": 0.0}
    values.update(kw)
    return CooldownTracker(
        store,
        failures=int(values["failures"]),
        window_s=values["window_s"],
        cooldown_s=values["cooldown_s"],
        sync_interval_s=values["sync_interval_s"],
        clock=clock,
    )


async def test_breaker_opens_after_n_failures_and_closes_after_the_cooldown() -> None:
    clock = Clock()
    store = MemoryStore("t:", MemoryData(clock=clock))
    breaker = tracker(store, clock)
    assert await breaker.record_failure("d") == 0
    assert await breaker.record_failure("d") == 0
    assert await breaker.record_failure("d") == 30
    assert breaker.remaining_s("d") == 30
    clock.now += 29
    await breaker.sync()
    assert 0 < breaker.remaining_s("d") <= 1
    clock.now += 2
    await breaker.sync()
    assert breaker.remaining_s("d") == 0


async def test_failures_spread_beyond_the_window_do_not_open_the_breaker() -> None:
    clock = Clock()
    store = MemoryStore("t:", MemoryData(clock=clock))
    breaker = tracker(store, clock)
    for _ in range(6):
        assert await breaker.record_failure("d") in (0, 0.0)
        clock.now += 6  # two failures per 10 s window at most
        assert breaker.remaining_s("d") == 0


async def test_another_instance_sees_the_open_breaker_on_sync() -> None:
    clock = Clock()
    store = MemoryStore("t:", MemoryData(clock=clock))
    first, second = tracker(store, clock), tracker(store, clock, sync_interval_s=5.0)
    for _ in range(3):
        await first.record_failure("d")
    await second.sync()
    assert second.remaining_s("d") == 30
    assert second.remaining_s("other") == 0
