"""Publishing an invalidation survives a store hiccup instead of leaving peers stale."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from llm_gateway.core.store import StoreUnavailableError
from llm_gateway.core.store.memory import MemoryStore
from llm_gateway.services.auth.background import BackgroundTasks
from llm_gateway.services.auth.cache import AuthCache
from llm_gateway.services.auth.invalidation import CHANNEL, Invalidation, Invalidator


class FlakyStore(MemoryStore):
    """Fails the first ``failures`` publishes, like Redis during a failover."""

    def __init__(self, failures: int) -> None:
        super().__init__("t:")
        self.failures = failures

    async def publish(self, channel: str, message: bytes) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise StoreUnavailableError("connection reset")
        await super().publish(channel, message)


def _invalidator(store: MemoryStore) -> Invalidator:
    return Invalidator(store, AuthCache(ttl_s=60, max_entries=100), BackgroundTasks())


async def test_a_failed_publish_is_retried_and_reaches_subscribers() -> None:
    store = FlakyStore(failures=2)
    sent = Invalidation(key_hashes={"h" * 64}, user_ids={uuid.uuid4()})
    async with store.subscribe(CHANNEL) as messages:
        await _invalidator(store).publish(sent)
        received = await asyncio.wait_for(anext(aiter(messages)), 1)
    assert Invalidation.decode(received) == sent


async def test_a_store_that_stays_down_is_reported() -> None:
    with pytest.raises(StoreUnavailableError):
        await _invalidator(FlakyStore(failures=10)).publish(Invalidation(key_hashes={"h"}))
