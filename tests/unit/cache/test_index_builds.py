"""A build's queued changes are replayed off the event loop.

Each HNSW add costs most of a millisecond at tens of thousands of entries (10,000 queued adds:
~7.5 s measured here), and the queue holds up to ``MAX_PENDING`` of them: replayed on the loop,
they would stall every tenant's requests at once.
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

    async def load(self, context: str) -> tuple[list[str], list[bytes]]:
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
    indexes = NamespaceIndexes(store, 4, retry_after_s=1.0, max_entries=100)
    assert indexes.ready("ns|c", CacheCounters()) is None
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
