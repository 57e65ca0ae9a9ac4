"""Built indexes stay within the entry budget, and an evicted namespace is rebuilt and hits again.

Instances (``semantic_instances.py``) share one store on each backend pair. Each system prompt
is a semantic context of its own (its own index); the per-namespace cap is 3 and the budget 4,
so two namespaces of two entries fill it.
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

# Entries alone count here (no per-index cost): the budget's arithmetic stays readable.
LIMITS = {"max_entries_per_namespace": 3, "semantic_index_budget": 4, "semantic_index_cost": 0}
A, B, C, D = "Answer briefly.", "Answer in French.", "Answer in verse.", "Answer in Korean."


def context(one: Instance, system: str | None) -> str:
    found = plan_for(one.cache, SEEDED[0], system=system).context
    assert found is not None
    return found


def held(one: Instance) -> list[str | None]:
    """The systems whose index is held on ``one``, least recently looked up first."""
    names = {context(one, s): s for s in (None, A, B, C, D)}
    return [names[c] for c in one.layer.indexes._built.contexts()]


async def fill(one: Instance, system: str, texts: list[str]) -> None:
    """Store ``texts`` in ``system``'s namespace; its index is built on ``one`` after."""
    for text in texts:
        assert await ask(one.cache, text, system=system) is None
        await one.built()


async def test_the_least_recently_looked_up_index_is_evicted_and_rebuilt_on_use(
    instance: MakeInstance,
) -> None:
    one, two = await instance(**LIMITS), await instance(**LIMITS)
    await fill(one, A, SEEDED[:2])
    await fill(one, B, SEEDED[:2])
    assert held(one) == [A, B]
    hit = await ask(one.cache, twin(SEEDED[0]), system=A)  # A is now the most recent
    assert hit is not None
    assert hit.kind == "semantic"
    await fill(one, C, SEEDED[:1])  # 2 + 2 + 1 > 4: B, the least recently looked up, goes
    counters = one.cache.counters
    assert held(one) == [A, C]
    assert counters.semantic_index_evictions == 1
    stats = one.layer.stats()
    assert (stats["namespaces_loaded"], stats["entries_loaded"], stats["entries_budget"]) == (
        2,
        3,
        4,
    )
    # While B is evicted here, another instance adds to it: the message is ignored (nothing to
    # apply it to), and the rebuild reads the entry from the store.
    await fill(two, B, SEEDED[2:])
    await asyncio.sleep(0.2)
    building = counters.semantic_index_building
    assert await one.cache.lookup(plan_for(one.cache, twin(SEEDED[0]), system=B)) is None
    assert counters.semantic_index_building == building + 1  # a miss: the index is rebuilding
    await one.built()
    for text in SEEDED:
        hit = await one.cache.lookup(plan_for(one.cache, twin(text), system=B))
        assert hit is not None, text
        assert hit.kind == "semantic"
    assert held(one) == [C, B]  # B's 3 entries made room by evicting A
    assert counters.semantic_index_evictions == 2
    assert one.layer.stats()["entries_loaded"] == 4
    assert one.cache.stats()["counters"]["semantic_index_evictions"] == 2


async def test_an_idle_index_is_let_go_and_rebuilt_on_use(instance: MakeInstance) -> None:
    one = await instance(semantic_index_idle_s=1.0)
    await fill(one, A, SEEDED[:1])
    await asyncio.sleep(1.1)
    assert await one.cache.lookup(plan_for(one.cache, SEEDED[1], system=B)) is None
    assert held(one) == []  # A expired on that lookup; B is building
    assert one.cache.counters.semantic_index_idle_evictions == 1
    assert await one.cache.lookup(plan_for(one.cache, twin(SEEDED[0]), system=A)) is None
    await one.built()
    hit = await one.cache.lookup(plan_for(one.cache, twin(SEEDED[0]), system=A))
    assert hit is not None
    assert one.cache.counters.semantic_index_evictions == 0


async def test_evictions_during_a_build_leave_its_queued_changes_whole(
    instance: MakeInstance, gate: Gate
) -> None:
    one = await instance(**LIMITS)
    await seed(one, gate)  # 3 entries in the namespace without a system prompt, gate shut
    two = await instance(**LIMITS)
    await fill(two, A, SEEDED[:2])  # empty namespaces build without reaching the gate
    await fill(two, B, SEEDED[:2])
    assert await two.cache.lookup(plan_for(two.cache, twin(SEEDED[0]))) is None  # held build
    # Its store read (3 entries) counts against the budget while it indexes them: A and B go.
    for _ in range(100):
        if two.layer.stats()["entries_building"]:
            break
        await asyncio.sleep(0.01)
    assert two.layer.stats()["entries_building"] == 3
    assert held(two) == []
    assert two.cache.counters.semantic_index_evictions == 2
    # Queued behind it: another instance's removal and add (in this order: the cap is 3).
    flagged = plan_for(one.cache, SEEDED[2])
    assert await one.cache.flag(flagged.namespace, flagged.digest)
    assert await ask(one.cache, "Where is the Eiffel Tower?") is None
    # Meanwhile another namespace is built and grows beside it (1 + 3 building: within 4).
    assert await ask(two.cache, SEEDED[0], system=C) is None
    for _ in range(100):
        if C in held(two):
            break
        await asyncio.sleep(0.01)
    assert held(two) == [C]
    assert two.layer.stats()["changes_queued"] == 2
    gate.open.set()
    await two.built()
    # The build landed whole (3 stored - 1 removed + 1 added), within the budget beside C.
    index = two.layer.indexes.built(context(two, None))
    assert index is not None
    assert len(index) == 3
    assert flagged.digest not in index
    assert held(two) == [None, C]  # as of when it was asked for: before C was built and used
    assert two.layer.stats()["entries_building"] == 0
    assert two.cache.counters.semantic_index_evictions == 2
    for text in [*SEEDED[:2], "Where is the Eiffel Tower?"]:
        hit = await two.cache.lookup(plan_for(two.cache, twin(text)))
        assert hit is not None, text
