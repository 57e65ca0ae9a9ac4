"""Index builds are bounded: a few at once, the rest in line (first asked, first built), failed
ones' retry times pruned, idle indexes let go when a build lands.

``NamespaceIndexes`` on a fake vector store whose loads wait, per namespace, until released (or
fail); the store-backed behaviour on both backend pairs is
``tests/integration/cache/test_semantic_build_slots.py``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import defaultdict

import numpy as np
import pytest

from llm_gateway.cache.counters import CacheCounters
from llm_gateway.cache.semantic import indexes as indexes_module
from llm_gateway.cache.semantic.build_line import BuildLine
from llm_gateway.cache.semantic.index import NamespaceIndex
from llm_gateway.cache.semantic.indexes import NamespaceIndexes
from llm_gateway.cache.semantic.store import VectorStore, pack

DIM = 4


class GatedStore(VectorStore):
    """Each namespace holds ``sizes[context]`` entries (0 unless set); a load waits for its
    namespace's release, unless ``open``; namespaces in ``failing`` raise instead."""

    def __init__(self, open_: bool = False) -> None:
        self.open = open_
        self.released: defaultdict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self.sizes: dict[str, int] = {}
        self.failing: set[str] = set()
        self.loads: list[str] = []

    async def load(self, context: str) -> tuple[list[str], list[bytes]]:
        self.loads.append(context)
        if context in self.failing:
            raise ConnectionError("store down")
        if not self.open:
            await self.released[context].wait()
        size = self.sizes.get(context, 0)
        rows = np.eye(DIM, dtype=np.float32)
        return [f"{context}-{i}" for i in range(size)], [pack(rows[i % DIM]) for i in range(size)]


def indexes_on(store: GatedStore, **overrides: float) -> NamespaceIndexes:
    settings: dict[str, float] = {"retry_after_s": 60.0, "budget": 100, "idle_s": 0, **overrides}
    return NamespaceIndexes(
        store,
        DIM,
        retry_after_s=settings["retry_after_s"],
        max_entries=10,
        budget=int(settings["budget"]),
        idle_s=settings["idle_s"],
        counters=CacheCounters(),
        max_builds=int(settings.get("max_builds", 2)),
    )


async def settle(indexes: NamespaceIndexes, building: int = 0) -> None:
    for _ in range(200):
        if indexes.stats()["namespaces_building"] == building:
            await asyncio.sleep(0.01)  # (and let the ended builds' tasks finish)
            return
        await asyncio.sleep(0.01)
    raise AssertionError("builds did not settle")


async def test_lookups_past_the_limit_wait_in_line_first_asked_first_built() -> None:
    store = GatedStore()
    indexes = indexes_on(store)
    counters = indexes.counters
    for context in ("t|a", "t|b", "t|c", "t|d", "t|c"):
        assert indexes.ready(context) is None
    await asyncio.sleep(0.01)
    assert store.loads == ["t|a", "t|b"]
    assert counters.semantic_index_build_deferred == 3
    stats = indexes.stats()
    assert (stats["namespaces_building"], stats["namespaces_waiting"]) == (2, 2)
    store.released["t|a"].set()
    await asyncio.sleep(0.05)
    assert indexes.built("t|a") is not None
    # a's slot went to c, asked before d (c's second lookup kept its place), with no lookup.
    assert store.loads == ["t|a", "t|b", "t|c"]
    assert indexes.ready("t|d") is None  # still in line: no third build
    assert counters.semantic_index_build_deferred == 4
    for context in ("t|b", "t|c", "t|d"):
        store.released[context].set()
    await settle(indexes)
    assert store.loads == ["t|a", "t|b", "t|c", "t|d"]
    assert all(indexes.built(f"t|{c}") is not None for c in "abcd")
    assert indexes.stats()["namespaces_waiting"] == 0


async def test_a_rarely_asked_namespace_is_not_starved_by_busy_ones() -> None:
    store = GatedStore(open_=True)
    store.sizes = {f"t|busy{i}": 1 for i in range(6)}
    indexes = indexes_on(store, max_builds=1)
    store.open = False
    assert indexes.ready("t|busy0") is None
    assert indexes.ready("t|rare") is None  # asked once, while the slot is taken
    for i in range(1, 6):  # the busy ones keep asking, every one of them while a slot is taken
        assert indexes.ready(f"t|busy{i}") is None
    store.released["t|busy0"].set()
    await asyncio.sleep(0.05)
    assert store.loads[:2] == ["t|busy0", "t|rare"]  # its turn came first, without a lookup
    store.open = True
    for context in list(store.loads):
        store.released[context].set()
    store.released["t|rare"].set()
    await settle(indexes)
    assert indexes.built("t|rare") is not None


async def test_a_build_from_the_line_takes_its_place_by_when_it_was_asked_for() -> None:
    store = GatedStore(open_=True)
    store.sizes = {"t|old": 4, "t|hot": 4, "t|late": 4, "t|new": 4}
    indexes = indexes_on(store, max_builds=1, budget=8)
    for context in ("t|old", "t|hot"):
        indexes.ready(context)
        await settle(indexes)
    store.open = False
    assert indexes.ready("t|busy") is None  # takes the only slot
    assert indexes.ready("t|late") is None  # waits in line
    await asyncio.sleep(0.01)
    assert indexes.ready("t|hot") is not None  # looked up after "late" asked
    store.released["t|busy"].set()
    store.released["t|late"].set()
    await settle(indexes)
    assert indexes.built("t|old") is None  # the least recently used made room for "late"
    assert indexes._built.contexts() == ["t|busy", "t|late", "t|hot"]  # as of when asked
    store.open = True
    indexes.ready("t|new")
    await settle(indexes)
    # "late" (asked before "hot" was last used) goes for the next build, not "hot".
    assert indexes.built("t|hot") is not None
    assert indexes.built("t|late") is None


async def test_a_lookup_while_its_build_runs_counts_as_asked_then() -> None:
    store = GatedStore(open_=True)
    indexes = indexes_on(store)
    indexes.ready("t|hot")
    await settle(indexes)
    store.open = False
    assert indexes.ready("t|slow") is None  # its build starts
    await asyncio.sleep(0.01)
    assert indexes.ready("t|hot") is not None
    await asyncio.sleep(0.01)
    assert indexes.ready("t|slow") is None  # asked again, after "hot" was used
    store.released["t|slow"].set()
    await settle(indexes)
    assert indexes._built.contexts() == ["t|hot", "t|slow"]


async def test_the_line_is_bounded_and_a_flush_leaves_it() -> None:
    store = GatedStore()
    indexes = indexes_on(store, max_builds=1)
    indexes._line = BuildLine(max_waiting=3)
    assert indexes.ready("t|held") is None
    for context in ("u|1", "t|2", "t|3", "t|4"):
        assert indexes.ready(context) is None
    assert indexes.stats()["namespaces_waiting"] == 3  # full: the newcomer was refused
    indexes.drop("t")  # the tenant's cache flushed: its waiters leave the line too
    assert indexes.stats()["namespaces_waiting"] == 1
    store.released["t|held"].set()
    store.released["u|1"].set()
    await settle(indexes)
    assert store.loads == ["t|held", "u|1"]
    assert indexes.built("u|1") is not None


async def test_a_rare_tenant_keeps_its_place_when_a_busy_one_floods_the_line() -> None:
    # A semantic context is the tenant plus the conversation before its last message: a busy
    # chat tenant makes a new one every turn. Its own oldest waiter makes room, nobody else's.
    store = GatedStore()
    indexes = indexes_on(store, max_builds=1)
    indexes._line = BuildLine(max_waiting=3, per_tenant=2)
    assert indexes.ready("busy|held") is None
    assert indexes.ready("rare|system") is None  # asked once, while the slot is taken
    for turn in range(4):
        assert indexes.ready(f"busy|turn{turn}") is None
    store.open = True
    store.released["busy|held"].set()
    await settle(indexes)
    assert store.loads == ["busy|held", "rare|system", "busy|turn2", "busy|turn3"]


class OutageStore(GatedStore):
    """As ``GatedStore``; while ``down``, a load fails (after its release, if gated)."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False

    async def load(self, context: str) -> tuple[list[str], list[bytes]]:
        self.loads.append(context)
        if not self.open:
            await self.released[context].wait()
        if self.down:
            raise ConnectionError("store down")
        return [], []


async def test_a_store_outage_pauses_the_line_until_a_lookup_comes() -> None:
    # The cache asks no lookup while it finds its store down: a failed build must not start the
    # next waiter (which would fail too, and so on through the whole line).
    store = OutageStore()
    indexes = indexes_on(store, max_builds=1)
    assert indexes.ready("t|held") is None
    for i in range(20):
        assert indexes.ready(f"t{i}|w") is None  # twenty tenants (at most 16 wait per tenant)
    await asyncio.sleep(0.01)
    store.down = store.open = True
    store.released["t|held"].set()
    await settle(indexes)
    assert (indexes.counters.semantic_index_build_failures, store.loads) == (1, ["t|held"])
    assert indexes.stats()["namespaces_waiting"] == 20  # the line outlives the outage
    store.down = False
    assert indexes.ready("t5|w") is None  # the store is back: the line runs again, in order
    await settle(indexes)
    assert store.loads[1:3] == ["t0|w", "t1|w"]
    assert all(indexes.built(f"t{i}|w") is not None for i in range(20))


async def test_a_closed_cache_starts_no_build() -> None:
    store = GatedStore()
    indexes = indexes_on(store, max_builds=2)
    assert indexes.ready("t|held") is None  # one slot stays free
    await asyncio.sleep(0.01)
    await indexes.aclose()
    assert indexes.ready("t|late") is None  # a background chat turn after close
    await asyncio.sleep(0.01)
    assert store.loads == ["t|held"]


async def test_a_waiter_that_failed_meanwhile_waits_out_its_pause() -> None:
    store = GatedStore()
    store.failing.add("t|bad")
    indexes = indexes_on(store, max_builds=1)
    assert indexes.ready("t|bad") is None  # fails at once: retry paused
    await settle(indexes)
    assert indexes.ready("t|held") is None
    indexes._line.add("t|bad", time.monotonic())  # (queued before its failure, say)
    assert indexes.ready("t|next") is None
    store.released["t|held"].set()
    store.released["t|next"].set()
    await settle(indexes)
    assert store.loads == ["t|bad", "t|held", "t|next"]  # not retried within the pause


async def test_a_failed_build_frees_its_slot_at_once_and_waits_to_retry() -> None:
    store = GatedStore()
    store.failing.add("t|bad")
    indexes = indexes_on(store, max_builds=1)
    counters = indexes.counters
    assert indexes.ready("t|bad") is None
    await settle(indexes)
    assert indexes.stats()["namespaces_retrying"] == 1
    assert indexes.ready("t|bad") is None  # within the retry pause: no build
    assert indexes.ready("t|ok") is None  # the failed build's slot is free
    await asyncio.sleep(0.01)
    assert store.loads == ["t|bad", "t|ok"]
    assert counters.semantic_index_build_failures == 1
    assert counters.semantic_index_build_deferred == 0


async def test_retry_times_are_pruned_once_past_the_pause() -> None:
    store = GatedStore(open_=True)
    indexes = indexes_on(store, retry_after_s=0.1, max_builds=50)
    store.failing.update(f"t|{i}" for i in range(20))
    for i in range(20):
        assert indexes.ready(f"t|{i}") is None
    await settle(indexes)
    assert indexes.stats()["namespaces_retrying"] == 20
    await asyncio.sleep(0.15)
    assert indexes.ready("t|other") is None  # any lookup prunes them
    assert len(indexes._failed_at) == 0  # (stats would prune them too: read it raw)
    await settle(indexes)
    store.failing.clear()
    assert indexes.ready("t|3") is None  # past the pause: built again
    await settle(indexes)
    assert indexes.built("t|3") is not None


async def test_a_build_in_progress_holds_its_room_in_the_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = GatedStore(open_=True)
    store.sizes = {"t|a": 4, "t|b": 4, "t|c": 6}
    indexes = indexes_on(store, budget=10)
    for context in ("t|a", "t|b"):
        indexes.ready(context)
        await settle(indexes)
    filling = threading.Event()
    fill = indexes_module._fill

    def held_fill(index: NamespaceIndex, digests: list[str], packed: list[bytes]) -> None:
        assert filling.wait(10)
        fill(index, digests, packed)

    monkeypatch.setattr(indexes_module, "_fill", held_fill)
    assert indexes.ready("t|c") is None
    await asyncio.sleep(0.05)  # its store read landed; its index fills (held)
    stats = indexes.stats()
    assert (stats["entries_loaded"], stats["entries_building"]) == (4, 6)
    assert indexes.built("t|a") is None  # evicted for it: 4 + 4 + 6 > 10
    filling.set()
    await settle(indexes)
    stats = indexes.stats()
    assert (stats["entries_loaded"], stats["entries_building"]) == (10, 0)


async def test_idle_indexes_are_let_go_when_a_build_lands() -> None:
    store = GatedStore()
    indexes = indexes_on(store, idle_s=0.1)
    store.released["t|a"].set()
    indexes.ready("t|a")
    await settle(indexes)
    assert indexes.ready("t|b") is None
    await asyncio.sleep(0.15)  # no lookup meanwhile: "a" idles past its time
    store.released["t|b"].set()
    await settle(indexes)
    assert indexes.built("t|a") is None
    assert indexes.built("t|b") is not None
    assert indexes._built.counters.semantic_index_idle_evictions == 1


async def test_a_build_discarded_before_its_read_lands_skips_the_indexing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = GatedStore()
    store.sizes = {"t|a": 3}
    fills: list[int] = []
    monkeypatch.setattr(indexes_module, "_fill", lambda _i, digests, _p: fills.append(len(digests)))
    indexes = indexes_on(store, max_builds=1)
    assert indexes.ready("t|a") is None
    await asyncio.sleep(0)
    indexes.drop("t")  # a flush while the store read is in flight
    store.released["t|a"].set()
    await settle(indexes)
    assert fills == []
    stats = indexes.stats()
    assert (stats["namespaces_loaded"], stats["entries_building"]) == (0, 0)
    assert indexes.ready("t|a") is None  # its slot is free: built again, whole
    await settle(indexes)
    assert fills == [3]


class MixedStore(GatedStore):
    """A namespace whose hash also holds a vector of another dimension (an instance with
    another embedder wrote it) and one that is not finite."""

    async def load(self, context: str) -> tuple[list[str], list[bytes]]:
        digests, packed = await super().load(context)
        return [*digests, "other-dim", "nan"], [
            *packed,
            pack(np.ones(2 * DIM, dtype=np.float32)),
            pack(np.full(DIM, np.nan, dtype=np.float32)),
        ]


async def test_stored_vectors_that_cannot_be_indexed_are_skipped_not_the_build() -> None:
    store = MixedStore(open_=True)
    store.sizes = {"t|a": 3}
    indexes = indexes_on(store)
    counters = indexes.counters
    assert indexes.ready("t|a") is None
    await settle(indexes)
    assert counters.semantic_index_build_failures == 0  # else: failed again at every retry
    index = indexes.built("t|a")
    assert index is not None
    assert len(index) == 3
    assert "other-dim" not in index
    assert "nan" not in index
    assert indexes.stats()["entries_loaded"] == 3
