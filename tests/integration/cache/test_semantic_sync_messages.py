"""A sync message an instance cannot read is skipped and counted; only a lost subscription resets.

Before, any message that failed to parse or apply escaped the listener's loop, which took it for
a lost subscription and dropped every index of the process (each then rebuilt from the store,
its lookups misses meanwhile). Instances (``semantic_instances.py``) share one store on each
backend pair; the bad messages go through the store's real pub/sub.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import numpy as np
import orjson
import pytest

from llm_gateway.cache.semantic.store import CHANNEL
from llm_gateway.core.store import Store
from tests.integration.cache.semantic_instances import (
    SEEDED,
    Instance,
    MakeInstance,
    ask,
    plan_for,
    twin,
)

EIFFEL = "Where is the Eiffel Tower?"


async def built_pair(instance: MakeInstance) -> tuple[Instance, Instance, str]:
    """Two instances; the second holds the namespace's index, built from the first's entries."""
    one, two = await instance(), await instance()
    for text in SEEDED[:2]:
        assert await ask(one.cache, text) is None
        await one.built()
    plan = plan_for(two.cache, twin(SEEDED[0]))
    assert await two.cache.lookup(plan) is None
    await two.built()
    assert plan.context is not None
    return one, two, plan.context


async def test_bad_messages_are_skipped_and_good_ones_still_apply(
    instance: MakeInstance, semantic_store: Store
) -> None:
    one, two, context = await built_pair(instance)
    bad = [
        b"{not json",
        b'"add"',
        orjson.dumps({"op": "evict", "ctx": context, "d": "0" * 40}),  # a newer instance's op
        orjson.dumps({"op": "add", "ctx": context, "d": "0" * 40, "v": "0000"}),  # another dim
        orjson.dumps({"op": "add", "ctx": context, "d": "0" * 40}),  # no vector
        orjson.dumps({"op": "del", "ctx": context}),  # no digest
    ]
    for raw in bad:
        await semantic_store.publish(CHANNEL, raw)
    assert await ask(one.cache, EIFFEL) is None  # a good add, published after them
    await asyncio.sleep(0.3)
    for inst in (one, two):
        assert inst.cache.counters.semantic_sync_skipped == len(bad)
        assert inst.cache.stats()["counters"]["semantic_sync_skipped"] == len(bad)
        assert inst.layer.stats()["namespaces_loaded"] == 1  # nothing was reset
    index = two.layer.indexes.built(context)
    assert index is not None
    assert len(index) == 3  # the good add applied
    building = two.cache.counters.semantic_index_building
    for text in [*SEEDED[:2], EIFFEL]:
        hit = await two.cache.lookup(plan_for(two.cache, twin(text)))
        assert hit is not None, text
        assert hit.kind == "semantic"
    assert two.cache.counters.semantic_index_building == building  # served without a rebuild


async def test_a_vector_that_is_not_finite_is_skipped_not_indexed(
    instance: MakeInstance, semantic_store: Store
) -> None:
    # A NaN entry in an HNSW graph makes searches for the other entries miss them.
    one, two, context = await built_pair(instance)
    nan = np.full(two.layer.embedder.dim, np.nan, dtype=np.float16).tobytes().hex()
    await semantic_store.publish(
        CHANNEL, orjson.dumps({"op": "add", "ctx": context, "d": "0" * 40, "v": nan})
    )
    await asyncio.sleep(0.3)
    for inst in (one, two):
        assert inst.cache.counters.semantic_sync_skipped == 1
    index = two.layer.indexes.built(context)
    assert index is not None
    assert "0" * 40 not in index
    assert len(index) == 2


async def test_a_lost_subscription_still_resets_the_indexes(
    instance: MakeInstance, semantic_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    subscribe = semantic_store.subscribe

    @asynccontextmanager
    async def losable(channel: str) -> AsyncIterator[AsyncIterator[bytes]]:
        """The store's subscription, cut by a ``lose`` message (as a dropped connection)."""
        async with subscribe(channel) as messages:

            async def relay() -> AsyncIterator[bytes]:
                async for raw in messages:
                    if raw == b"lose":
                        raise ConnectionError("subscription lost")
                    yield raw

            yield relay()

    monkeypatch.setattr(semantic_store, "subscribe", losable)
    _, two, context = await built_pair(instance)
    await semantic_store.publish(CHANNEL, b"lose")
    await asyncio.sleep(0.3)
    assert two.layer.indexes.built(context) is None  # changes may have been missed: dropped
    assert two.cache.counters.semantic_sync_skipped == 0
    await asyncio.sleep(1.2)  # the listener subscribes again
    assert await two.cache.lookup(plan_for(two.cache, twin(SEEDED[0]))) is None  # rebuilding
    await two.built()
    assert await two.cache.lookup(plan_for(two.cache, twin(SEEDED[0]))) is not None
