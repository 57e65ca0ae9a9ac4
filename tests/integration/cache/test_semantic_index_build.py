"""A namespace's index builds in the background: lookups meanwhile are misses, never waits.

Two instances (``SemanticLayer`` + ``ResponseCache``) share one store on each backend pair. The
build is held at its indexing step by a gate, so "the lookup did not wait" is a lookup that
returns while the gate is still shut. Embeddings come from a stand-in that folds case and
punctuation (a question and its re-cased twin embed alike), so no model is loaded.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import re
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pytest

from llm_gateway.cache import CacheControls, ResponseCache
from llm_gateway.cache.plan import CachePlan
from llm_gateway.cache.semantic.embed import Vectors
from llm_gateway.cache.semantic.index import NamespaceIndex
from llm_gateway.cache.semantic.layer import SemanticLayer
from llm_gateway.cache.semantic.store import VectorStore
from llm_gateway.cache.semantic.verifier import load_verifier
from llm_gateway.cache.service import CacheHit
from llm_gateway.core.config import CacheSettings, StoreSettings
from llm_gateway.core.store import Store, create_store
from llm_gateway.core.store.base import StoreUnavailableError
from llm_gateway.providers.registry_schema import CacheSpec
from llm_gateway.services.auth.principal import Principal
from tests.backends import Backend

SPEC = CacheSpec(mode="semantic")
PRINCIPAL = Principal(auth_method="jwt", role="user", tier="free", user_id=uuid.UUID(int=7))
SEEDED = ["What is the capital of France?", "How tall is Mount Everest?", "Who wrote Hamlet?"]
RETRY_S = 1.0  # a failed build's retry pause (the cache's outage backoff)
_run = itertools.count()


class _Folding:
    """Unit vectors keyed by a text's lowercased words."""

    dim = 32

    def embed(self, texts: Sequence[str]) -> Vectors:
        rows = []
        for text in texts:
            words = " ".join(re.findall(r"\w+", text.lower())).encode()
            seed = int.from_bytes(hashlib.blake2b(words, digest_size=8).digest(), "big")
            row = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
            rows.append(row / np.linalg.norm(row))
        return np.stack(rows)


def _twin(text: str) -> str:
    """Another request (another exact key) that embeds like ``text``."""
    return text.lower().rstrip("?")


def _plan(cache: ResponseCache, text: str) -> CachePlan:
    request = {"model": "m", "temperature": 0, "messages": [{"role": "user", "content": text}]}
    plan = cache.plan(
        SPEC, alias="m", principal=PRINCIPAL, request=request, controls=CacheControls()
    )
    assert plan is not None
    assert plan.context is not None
    return plan


async def _ask(cache: ResponseCache, text: str) -> CacheHit | None:
    """A request: look up, and on a miss store an answer, as the proxy does."""
    plan = _plan(cache, text)
    hit = await cache.lookup(plan)
    if hit is None:
        answer = {"role": "assistant", "content": f"answer to {text}"}
        choice = {"index": 0, "message": answer, "finish_reason": "stop"}
        await cache.save(plan, {"id": "c", "object": "chat.completion", "choices": [choice]})
    return hit


@dataclass
class _Instance:
    layer: SemanticLayer
    cache: ResponseCache

    async def built(self) -> None:
        """Until no build runs (the build is a background task)."""
        for _ in range(500):
            if self.layer.stats()["namespaces_building"] == 0:
                return
            await asyncio.sleep(0.01)
        raise AssertionError("the index build did not finish")


class _Gate:
    """Holds every batch index build (the slow part) until ``open`` is set; counts them."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.open = threading.Event()
        self.builds = 0
        add_many = NamespaceIndex.add_many

        def gated(index: NamespaceIndex, digests: list[str], vectors: Vectors) -> None:
            self.builds += 1
            assert self.open.wait(10)
            add_many(index, digests, vectors)

        monkeypatch.setattr(NamespaceIndex, "add_many", gated)


@pytest.fixture
async def store(backend: Backend) -> AsyncIterator[Store]:
    namespace = f"{backend.namespace}ibuild{next(_run)}:"
    shared = create_store(StoreSettings(redis_url=backend.redis_url, namespace=namespace))
    yield shared
    await shared.close()


@pytest.fixture
async def instance(store: Store) -> AsyncIterator[Callable[[], Awaitable[_Instance]]]:
    """Instances on the shared store (as two gateway processes would be), closed after."""
    made: list[_Instance] = []
    settings = CacheSettings(outage_backoff_s=RETRY_S)
    verifier = load_verifier()

    async def make() -> _Instance:
        layer = SemanticLayer(settings, store, _Folding(), verifier)
        layer.start()
        # Subscribed before the first lookup (subscribing discards builds that ran unsubscribed).
        await asyncio.sleep(0.05)
        made.append(_Instance(layer, ResponseCache(settings, store, layer)))
        return made[-1]

    yield make
    for one in made:
        await one.cache.aclose()


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Gate]:
    held = _Gate(monkeypatch)
    yield held
    held.open.set()  # a failed test must not leave a worker thread waiting


async def _seed(one: _Instance, gate: _Gate) -> None:
    """Store ``SEEDED`` through one instance, then shut the gate for the next build."""
    gate.open.set()
    for text in SEEDED:
        assert await _ask(one.cache, text) is None
    await one.built()
    gate.open.clear()
    gate.builds = 0


async def test_lookups_are_misses_while_the_build_runs_and_nothing_sent_meanwhile_is_lost(
    instance: Callable[[], Awaitable[_Instance]], gate: _Gate
) -> None:
    one = await instance()
    await _seed(one, gate)
    two = await instance()  # a fresh instance: the namespace's 3 entries are only in the store
    # Three concurrent first lookups: all misses at once, while the build is held.
    lookups = [two.cache.lookup(_plan(two.cache, _twin(t))) for t in SEEDED]
    assert await asyncio.wait_for(asyncio.gather(*lookups), 2.0) == [None, None, None]
    counters = two.cache.counters
    assert counters.semantic_index_building == 3
    assert two.layer.stats()["namespaces_building"] == 1
    # Sent during the build: this instance's own entry, another instance's entry and removal.
    assert await _ask(two.cache, "Where is the Eiffel Tower?") is None
    assert await _ask(one.cache, "What is the boiling point of water?") is None
    plan = _plan(one.cache, SEEDED[2])
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
        hit = await _ask(two.cache, _twin(text))
        assert hit is not None, text
        assert hit.kind == "semantic"
    assert counters.semantic_index_building == 4
    assert counters.semantic_index_build_failures == 0
    assert gate.builds == 1


async def test_a_failed_build_is_a_miss_counted_and_retried_later(
    instance: Callable[[], Awaitable[_Instance]], monkeypatch: pytest.MonkeyPatch
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
    assert await _ask(one.cache, SEEDED[0]) is None  # the build fails in the background
    await one.built()
    counters = one.cache.counters
    assert counters.semantic_index_build_failures == 1
    assert one.cache.guard.available  # the request path saw no error
    assert await one.cache.lookup(_plan(one.cache, _twin(SEEDED[0]))) is None
    await one.built()
    assert len(calls) == 1  # within the retry pause: no second build
    await asyncio.sleep(RETRY_S)
    assert await one.cache.lookup(_plan(one.cache, _twin(SEEDED[0]))) is None  # retry starts
    await one.built()
    assert len(calls) == 2
    hit = await one.cache.lookup(_plan(one.cache, _twin(SEEDED[0])))
    assert hit is not None
    assert hit.kind == "semantic"
    assert counters.semantic_index_building == 3
    assert counters.semantic_index_build_failures == 1
    assert one.cache.stats()["counters"]["semantic_index_building"] == 3


async def test_a_flush_during_the_build_discards_it(
    instance: Callable[[], Awaitable[_Instance]], gate: _Gate
) -> None:
    one = await instance()
    await _seed(one, gate)
    two = await instance()
    assert await two.cache.lookup(_plan(two.cache, _twin(SEEDED[0]))) is None
    await two.cache.flush(_plan(two.cache, SEEDED[0]).namespace)
    gate.open.set()
    await two.built()
    assert two.layer.stats()["namespaces_loaded"] == 0  # the flushed build was not installed
    assert await two.cache.lookup(_plan(two.cache, _twin(SEEDED[0]))) is None
    assert two.cache.counters.semantic_index_building == 2  # ... so this one built again
    await two.built()
    assert two.layer.stats()["namespaces_loaded"] == 1
    assert await _ask(two.cache, _twin(SEEDED[1])) is None  # flushed entries are not served
