"""Review: a landed build whose room ``reserve`` made must not be evicted by its own install."""

from __future__ import annotations

import asyncio

from llm_gateway.cache.counters import CacheCounters
from llm_gateway.cache.semantic.indexes import NamespaceIndexes
from tests.unit.cache.test_build_slots import DIM, GatedStore, settle


async def test_a_build_reserve_made_room_for_is_not_thrown_away_at_install() -> None:
    store = GatedStore(open_=True)
    # index_cost > 0 (the default is 32): reserve counts the build's entries, not its cost.
    store.sizes = {"t|a": 1, "t|b": 8, "t|late": 3}
    indexes = NamespaceIndexes(
        store,
        DIM,
        retry_after_s=60.0,
        max_entries=10,
        budget=14,
        idle_s=0,
        counters=CacheCounters(),
        index_cost=2,
    )
    for context in ("t|a", "t|b"):
        indexes.ready(context)
        await settle(indexes)
    store.open = False
    assert indexes.ready("t|late") is None  # its build starts (asked now)
    await asyncio.sleep(0.01)
    for context in ("t|a", "t|b"):  # both looked up while it builds
        assert indexes.ready(context) is not None
    store.released["t|late"].set()
    await settle(indexes)
    # reserve evicted "a" to make room for "late"; "late" must then be held, or "a" went
    # for nothing and every lookup of "late" reruns a build that is thrown away.
    assert indexes.built("t|a") is None
    assert indexes.built("t|late") is not None


async def test_a_waiter_started_by_its_own_lookup_counts_as_asked_then() -> None:
    store = GatedStore(open_=True)
    store.sizes = {"t|hot": 2, "t|late": 2}
    indexes = NamespaceIndexes(
        store,
        DIM,
        retry_after_s=60.0,
        max_entries=10,
        budget=100,
        idle_s=0,
        counters=CacheCounters(),
        max_builds=1,
    )
    indexes.ready("t|hot")
    await settle(indexes)
    store.open = False
    store.failing = {"t|down"}
    assert indexes.ready("t|down") is None  # takes the only slot, then fails: the line pauses
    assert indexes.ready("t|late") is None  # waits in line
    await settle(indexes)
    await asyncio.sleep(0.01)
    assert indexes.ready("t|hot") is not None  # used after "late" first asked
    await asyncio.sleep(0.01)
    assert indexes.ready("t|late") is None  # asked again: this lookup starts its build
    store.released["t|late"].set()
    await settle(indexes)
    assert indexes._built.contexts() == ["t|hot", "t|late"]
