"""A build's queued changes are replayed off the event loop; a discarded build is not doubled.

Each HNSW add costs most of a millisecond at tens of thousands of entries (10,000 queued adds:
~7.5 s measured here), and the queue holds up to ``MAX_PENDING`` of them: replayed on the loop,
they would stall every tenant's requests at once. A flush or a resync discards a running
build, whose worker thread cannot be stopped: a second build of the namespace beside it would
double its CPU and memory (once per flush or lost subscription while it runs).
"""

from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest

from llm_gateway.cache.counters import CacheCounters
from llm_gateway.cache.semantic.embed import Vectors
from llm_gateway.cache.semantic.index import NamespaceIndex
from llm_gateway.cache.semantic.indexes import NamespaceIndexes
from llm_gateway.cache.semantic.store import VectorStore


class HeldStore(VectorStore):
    """An empty namespace whose load returns when ``release`` is set."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.loads = 0

    async def load(self, context: str) -> tuple[list[str], list[bytes]]:
        self.loads += 1
        await self.release.wait()
        return [], []


async def test_queued_changes_are_applied_on_a_worker_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    threads: list[threading.Thread] = []
    original = NamespaceIndex.add

    def add(self: NamespaceIndex, digest: str, vector: Vectors) -> None:
        threads.append(threading.current_thread())
        original(self, digest, vector)

    monkeypatch.setattr(NamespaceIndex, "add", add)
    store = HeldStore()
    indexes = NamespaceIndexes(
        store, 4, retry_after_s=1.0, max_entries=100, budget=100, idle_s=0, counters=CacheCounters()
    )
    assert indexes.ready("ns|c") is None
    await asyncio.sleep(0)
    for i in range(3):
        indexes.change("ns|c", "add", f"d{i}", np.eye(4, dtype=np.float32)[i])
    indexes.change("ns|c", "del", "d1")
    store.release.set()
    for _ in range(200):
        if indexes.built("ns|c") is not None:
            break
        await asyncio.sleep(0.01)
    index = indexes.built("ns|c")
    assert index is not None
    assert ("d0" in index, "d1" in index, "d2" in index) == (True, False, True)
    assert threads
    assert threading.main_thread() not in threads


async def _settle(indexes: NamespaceIndexes) -> None:
    for _ in range(200):
        if not indexes.stats()["namespaces_building"]:
            return
        await asyncio.sleep(0.01)


@pytest.mark.parametrize("discard", ["drop", "clear"])
async def test_a_discarded_build_runs_alone_until_it_ends(discard: str) -> None:
    store = HeldStore()
    indexes = NamespaceIndexes(
        store, 4, retry_after_s=1.0, max_entries=100, budget=100, idle_s=0, counters=CacheCounters()
    )
    assert indexes.ready("ns|c") is None
    await asyncio.sleep(0)
    if discard == "drop":
        indexes.drop("ns")
    else:
        indexes.clear()
    assert indexes.ready("ns|c") is None  # a miss, and no second build
    await asyncio.sleep(0)
    assert store.loads == 1
    indexes.change("ns|c", "add", "d0", np.eye(4, dtype=np.float32)[0])
    store.release.set()
    await _settle(indexes)
    assert indexes.built("ns|c") is None  # the discarded result is not installed
    assert indexes.ready("ns|c") is None  # the next lookup builds from the store
    await _settle(indexes)
    assert store.loads == 2
    index = indexes.built("ns|c")
    assert index is not None
    assert len(index) == 0
