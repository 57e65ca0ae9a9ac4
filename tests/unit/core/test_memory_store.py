"""The in-process store drops expired keys that are never read again, as Redis does."""

from __future__ import annotations

from llm_gateway.core.store.base import MemoryData
from llm_gateway.core.store.memory import MemoryStore


class Clock:
    """A hand-moved clock, so expiry happens when the test says."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_expired_keys_nobody_reads_again_are_swept_by_later_writes() -> None:
    clock = Clock()
    store = MemoryStore(data=MemoryData(clock=clock))
    for i in range(1_000):  # e.g. one window counter per caller, never looked at again
        await store.incr(f"window:{i}", ttl_s=1)
    await store.set("session", "kept", ttl_s=3_600)
    await store.set("forever", "kept")
    clock.now += 30
    await store.set("later", "write")  # writes pay for the sweep, reads stay as they were
    assert sorted(store.data.values) == ["forever", "later", "session"]
    assert sorted(store.data.expires_at) == ["session"]


async def test_a_key_given_a_new_expiry_outlives_its_old_one() -> None:
    clock = Clock()
    store = MemoryStore(data=MemoryData(clock=clock))
    await store.set("extended", "a", ttl_s=1)
    await store.set("persisted", "b", ttl_s=1)
    await store.set("expired", "c", ttl_s=1)
    store.data.expire("extended", 120)
    await store.set("persisted", "b")  # no ttl: lives until deleted
    clock.now += 30
    await store.set("later", "write")
    assert await store.get("extended") == b"a"
    assert await store.get("persisted") == b"b"
    assert "expired" not in store.data.values
    clock.now += 120
    await store.set("much later", "write")
    assert "extended" not in store.data.values
    assert await store.get("persisted") == b"b"
