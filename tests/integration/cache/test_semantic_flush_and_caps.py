"""A flush deletes a namespace's stored vectors; a build's queue and an index are both bounded.

Instances (``semantic_instances.py``) share one store on each backend pair; the store's keys are
read behind its back, so "nothing left" is checked where the bytes live.
"""

from __future__ import annotations

import asyncio

from llm_gateway.cache.semantic.store import VectorStore
from llm_gateway.core.store import Store
from tests.integration.cache.semantic_instances import (
    OTHER,
    SEEDED,
    Folding,
    Gate,
    MakeInstance,
    ask,
    plan_for,
    seed,
    stored_keys,
    twin,
)

BRIEF = "Answer in one sentence."  # a system prompt: a second semantic context of the tenant
MORE = ["Where is the Eiffel Tower?", "Who painted the Mona Lisa?", "What is the speed of light?"]


async def test_a_flush_deletes_every_vector_hash_of_the_namespace_and_no_other(
    instance: MakeInstance, semantic_store: Store
) -> None:
    one = await instance()
    for text in SEEDED:
        await ask(one.cache, text)
        await ask(one.cache, text, system=BRIEF)
        await ask(one.cache, text, OTHER)
    await one.built()
    mine, theirs = plan_for(one.cache, SEEDED[0]), plan_for(one.cache, SEEDED[0], OTHER)
    assert mine.namespace != theirs.namespace
    assert len(await stored_keys(semantic_store, f"cache:v:{mine.namespace}|")) == 2
    await one.cache.flush(mine.namespace)
    assert await stored_keys(semantic_store, f"cache:v:{mine.namespace}|") == []
    assert await stored_keys(semantic_store, f"cache:vh:{mine.namespace}") == []
    # The other tenant's hash and its list are untouched.
    assert await stored_keys(semantic_store, f"cache:v:{theirs.namespace}|") == [
        f"cache:v:{theirs.context}"
    ]
    assert len(await one.layer.vectors.load(theirs.context or "")) == 2
    assert len((await one.layer.vectors.load(theirs.context or ""))[0]) == 3
    # A rebuild (here, and on an instance that never held the index) finds nothing flushed.
    two = await instance()
    for inst in (one, two):
        for system in (None, BRIEF):  # the lookups start the builds
            assert (
                await inst.cache.lookup(plan_for(inst.cache, twin(SEEDED[0]), system=system))
                is None
            )
        await inst.built()
        for system in (None, BRIEF):
            index = inst.layer.indexes.built(
                plan_for(inst.cache, SEEDED[0], system=system).context or ""
            )
            assert index is not None
            assert len(index) == 0
    assert await two.cache.lookup(plan_for(two.cache, twin(SEEDED[0]), OTHER)) is None
    await two.built()
    hit = await two.cache.lookup(plan_for(two.cache, twin(SEEDED[0]), OTHER))
    assert hit is not None
    assert hit.kind == "semantic"


async def test_a_vector_of_an_entry_from_before_a_flush_is_not_stored_after_it(
    instance: MakeInstance, semantic_store: Store
) -> None:
    """The entry was stored, then the namespace flushed, then its vector came (a save's race)."""
    one = await instance()
    plan = plan_for(one.cache, SEEDED[0])
    assert await one.cache.lookup(plan) is None  # the plan carries the generation it saw
    await one.cache.flush(plan.namespace)
    vector = one.layer.embedder.embed([SEEDED[0]])[0]
    stored = await one.layer.vectors.add(
        plan.context or "", plan.digest, vector, plan.ttl_s, plan.generation or ""
    )
    assert stored == 0
    assert await stored_keys(semantic_store, f"cache:v:{plan.namespace}|") == []


async def test_changes_queued_during_a_build_are_bounded_and_an_overflow_rebuilds(
    instance: MakeInstance, gate: Gate
) -> None:
    one = await instance()
    await seed(one, gate)
    two = await instance()
    two.layer.indexes.max_pending = 2
    assert await two.cache.lookup(plan_for(two.cache, twin(SEEDED[0]))) is None  # build held
    for text in MORE:  # three adds on instance one reach two's queue by pub/sub
        assert await ask(one.cache, text) is None
    await asyncio.sleep(0.2)
    counters = two.cache.counters
    assert counters.semantic_index_build_overflows == 1
    stats = two.layer.stats()
    assert stats["changes_queued"] == 0  # the overflowed queue was let go ...
    assert stats["namespaces_building"] == 1  # ... and its build still runs, alone
    assert await two.cache.lookup(plan_for(two.cache, twin(MORE[0]))) is None
    assert gate.builds == 1
    gate.open.set()
    await two.built()
    assert two.layer.stats()["namespaces_loaded"] == 0  # discarded, not installed
    assert await two.cache.lookup(plan_for(two.cache, twin(MORE[0]))) is None  # rebuilds
    await two.built()
    assert gate.builds == 2
    for text in [*SEEDED, *MORE]:  # the rebuild read everything from the store
        hit = await two.cache.lookup(plan_for(two.cache, twin(text)))
        assert hit is not None, text
    assert counters.semantic_index_build_overflows == 1


async def test_the_entry_cap_holds_after_a_build_with_queued_adds(
    instance: MakeInstance, gate: Gate
) -> None:
    one = await instance(max_entries_per_namespace=4)
    await seed(one, gate)  # 3 entries
    context = plan_for(one.cache, SEEDED[0]).context or ""
    assert await one.cache.lookup(plan_for(one.cache, SEEDED[0])) is not None  # exact hit
    await asyncio.sleep(0.2)  # the seeding's own pub/sub echoes are in
    one.layer.indexes.clear()  # as after a lost subscription: the next lookup rebuilds
    assert await one.cache.lookup(plan_for(one.cache, twin(SEEDED[0]))) is None  # build held
    for text in MORE:  # not built: stored, and queued behind the build
        assert await ask(one.cache, text) is None
    await asyncio.sleep(0.2)
    assert one.layer.stats()["changes_queued"] == 6  # each also comes back by pub/sub
    assert len((await one.layer.vectors.load(context))[0]) == 6
    gate.open.set()
    await one.built()
    index = one.layer.indexes.built(context)
    assert index is not None
    assert len(index) == 4  # 3 loaded + 1 queued add; the other 2 refused
    assert await ask(one.cache, "How deep is the Mariana Trench?") is None
    assert len(index) == 4  # a live add at the cap: refused too
    # A build from a store holding more than the cap (6 here) indexes the cap's worth.
    two = await instance(max_entries_per_namespace=4)
    assert await two.cache.lookup(plan_for(two.cache, twin(SEEDED[0]))) is None
    await two.built()
    rebuilt = two.layer.indexes.built(context)
    assert rebuilt is not None
    assert len(rebuilt) == 4


async def test_the_list_of_vector_hashes_outlives_every_hash_it_names(
    semantic_store: Store,
) -> None:
    """TTLs only lengthen (both twins): a hash left unlisted would survive its namespace's flush."""
    vectors = VectorStore(semantic_store)
    vector = Folding().embed(["x"])[0]
    assert await vectors.add("ns|a", "d1", vector, 600, "0") == 1
    assert await vectors.add("ns|b", "d2", vector, 60, "0") == 1
    assert await vectors.add("ns|a", "d3", vector, 60, "0") == 2
    assert (await semantic_store.ttl("cache:v:ns|a") or 0) > 590
    assert 50 < (await semantic_store.ttl("cache:v:ns|b") or 0) <= 60
    assert (await semantic_store.ttl("cache:vh:ns") or 0) > 590
