"""A namespace's index builds in the background: lookups meanwhile are misses, never waits.

Two instances (``semantic_instances.py``) share one store on each backend pair. The build is
held at its indexing step by a gate, so "the lookup did not wait" is a lookup that returns while
the gate is still shut.
"""

from __future__ import annotations

import asyncio

import pytest

from llm_gateway.cache.semantic.store import VectorStore
from llm_gateway.core.store.base import StoreUnavailableError
from tests.integration.cache.semantic_instances import (
    RETRY_S,
    SEEDED,
    Gate,
    MakeInstance,
    ask,
    plan_for,
    seed,
    twin,
)


async def test_lookups_are_misses_while_the_build_runs_and_nothing_sent_meanwhile_is_lost(
    instance: MakeInstance, gate: Gate
) -> None:
    one = await instance()
    await seed(one, gate)
    two = await instance()  # a fresh instance: the namespace's 3 entries are only in the store
    # Three concurrent first lookups: all misses at once, while the build is held.
    lookups = [two.cache.lookup(plan_for(two.cache, twin(t))) for t in SEEDED]
    assert await asyncio.wait_for(asyncio.gather(*lookups), 2.0) == [None, None, None]
    counters = two.cache.counters
    assert counters.semantic_index_building == 3
    assert two.layer.stats()["namespaces_building"] == 1
    # Sent during the build: this instance's own entry, another instance's entry and removal.
    assert await ask(two.cache, "Where is the Eiffel Tower?") is None
    assert await ask(one.cache, "What is the boiling point of water?") is None
    plan = plan_for(one.cache, SEEDED[2])
    assert await one.cache.flag(plan.namespace, plan.digest)
    await asyncio.sleep(0.2)  # the pub/sub messages reach instance two
    assert gate.builds == 1  # one build for all those lookups
    gate.open.set()
    await two.built()
    index = two.layer.indexes.built(plan.context or "")
    assert index is not None
    assert len(index) == 4  # 3 stored + 2 added - 1 removed during the build
    assert plan.digest not in index
    for text in [*SEEDED[:2], "Where is the Eiffel Tower?", "What is the boiling point of water?"]:
        hit = await ask(two.cache, twin(text))
        assert hit is not None, text
        assert hit.kind == "semantic"
    assert counters.semantic_index_building == 4
    assert counters.semantic_index_build_failures == 0
    assert gate.builds == 1


async def test_a_failed_build_is_a_miss_counted_and_retried_later(
    instance: MakeInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    one = await instance()
    load = VectorStore.load
    calls: list[str] = []

    async def failing_once(self: VectorStore, context: str) -> tuple[list[str], list[bytes]]:
        calls.append(context)
        if len(calls) == 1:
            raise StoreUnavailableError("store down")
        return await load(self, context)

    monkeypatch.setattr(VectorStore, "load", failing_once)
    assert await ask(one.cache, SEEDED[0]) is None  # the build fails in the background
    await one.built()
    counters = one.cache.counters
    assert counters.semantic_index_build_failures == 1
    assert one.cache.guard.available  # the request path saw no error
    assert await one.cache.lookup(plan_for(one.cache, twin(SEEDED[0]))) is None
    await one.built()
    assert len(calls) == 1  # within the retry pause: no second build
    await asyncio.sleep(RETRY_S)
    assert await one.cache.lookup(plan_for(one.cache, twin(SEEDED[0]))) is None  # retry starts
    await one.built()
    assert len(calls) == 2
    hit = await one.cache.lookup(plan_for(one.cache, twin(SEEDED[0])))
    assert hit is not None
    assert hit.kind == "semantic"
    assert counters.semantic_index_building == 3
    assert counters.semantic_index_build_failures == 1
    assert one.cache.stats()["counters"]["semantic_index_building"] == 3


async def test_a_flush_during_the_build_discards_it(instance: MakeInstance, gate: Gate) -> None:
    one = await instance()
    await seed(one, gate)
    two = await instance()
    assert await two.cache.lookup(plan_for(two.cache, twin(SEEDED[0]))) is None
    await two.cache.flush(plan_for(two.cache, SEEDED[0]).namespace)
    gate.open.set()
    await two.built()
    assert two.layer.stats()["namespaces_loaded"] == 0  # the flushed build was not installed
    assert await two.cache.lookup(plan_for(two.cache, twin(SEEDED[0]))) is None
    assert two.cache.counters.semantic_index_building == 2  # ... so this one built again
    await two.built()
    assert two.layer.stats()["namespaces_loaded"] == 1
    assert await ask(two.cache, twin(SEEDED[1])) is None  # flushed entries are not served
