"""At most ``semantic_max_concurrent_builds`` index builds run at once; past it, a first lookup is
a miss (counted as deferred) whose namespace waits in line, built when a slot frees.

Instances (``semantic_instances.py``) share one store on each backend pair, with one build
slot; the gate holds the build occupying it.
"""

from __future__ import annotations

import asyncio

from tests.integration.cache.semantic_instances import (
    SEEDED,
    Gate,
    Instance,
    MakeInstance,
    ask,
    plan_for,
    seed,
    twin,
)

A = "Answer briefly."


async def stored(one: MakeInstance, gate: Gate) -> None:
    """Entries in two namespaces: A's (2, stored first) and the one without a system prompt."""
    first = await one()
    for text in SEEDED[:2]:
        assert await ask(first.cache, text, system=A) is None  # an empty namespace: no gate
        await first.built()
    await seed(first, gate)  # gate shut from here


async def held_build(two: Instance, gate: Gate) -> None:
    """Start the build of the namespace without a system prompt, and see it held at the gate."""
    assert await two.cache.lookup(plan_for(two.cache, twin(SEEDED[0]))) is None
    for _ in range(200):
        if gate.builds:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the build did not reach the gate")


async def test_a_lookup_past_the_limit_waits_and_is_built_when_the_slot_frees(
    instance: MakeInstance, gate: Gate
) -> None:
    await stored(instance, gate)
    two = await instance(semantic_max_concurrent_builds=1)
    await held_build(two, gate)
    for _ in range(3):  # A's lookups: misses, and no second build beside the held one
        assert await two.cache.lookup(plan_for(two.cache, twin(SEEDED[0]), system=A)) is None
    counters = two.cache.counters
    assert counters.semantic_index_build_deferred == 3
    assert counters.semantic_index_building == 4  # every miss for want of an index
    stats = two.layer.stats()
    assert (
        stats["namespaces_building"],
        stats["builds_max"],
        stats["entries_building"],
        stats["namespaces_waiting"],
    ) == (1, 1, 3, 1)
    assert two.cache.stats()["counters"]["semantic_index_build_deferred"] == 3
    assert gate.builds == 1
    gate.open.set()
    await two.built()  # the held build, then A's from the line: no further lookup needed
    assert two.layer.stats()["namespaces_loaded"] == 2
    assert two.layer.stats()["namespaces_waiting"] == 0
    for text in SEEDED[:2]:
        hit = await two.cache.lookup(plan_for(two.cache, twin(text), system=A))
        assert hit is not None, text
        assert hit.kind == "semantic"
    assert counters.semantic_index_build_deferred == 3
    assert gate.builds == 2


async def test_a_discarded_build_holds_its_slot_until_it_ends(
    instance: MakeInstance, gate: Gate
) -> None:
    await stored(instance, gate)
    two = await instance(semantic_max_concurrent_builds=1)
    await held_build(two, gate)
    await two.cache.flush(plan_for(two.cache, SEEDED[0]).namespace)  # discards it (and A's)
    # Its worker thread still runs: no other build starts beside it.
    plan = plan_for(two.cache, twin(SEEDED[0]), system=A)
    assert await two.cache.lookup(plan) is None
    assert two.cache.counters.semantic_index_build_deferred == 1
    assert two.layer.stats()["namespaces_building"] == 1
    gate.open.set()
    await two.built()  # the discarded build ends, then A's (it waited in line) runs
    # A's (empty: the flush took its vectors too); the discarded one is not installed.
    assert two.layer.stats()["namespaces_loaded"] == 1
    assert two.layer.stats()["entries_building"] == 0  # its room in the budget is given back
    assert two.layer.stats()["namespaces_waiting"] == 0
    assert two.cache.counters.semantic_index_build_deferred == 1
