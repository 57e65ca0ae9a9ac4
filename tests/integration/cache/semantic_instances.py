"""Semantic layers on a shared store, without the embedding model: helpers for the index tests.

An ``Instance`` is a ``SemanticLayer`` + ``ResponseCache``, as one gateway process holds them;
several on one store behave like several processes. Embeddings come from a stand-in that folds
case and punctuation (a question and its re-cased twin embed alike), so no model is loaded. A
``Gate`` holds every batch index build (the slow part) until opened.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import threading
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pytest

from llm_gateway.cache import CacheControls, ResponseCache
from llm_gateway.cache.plan import CachePlan
from llm_gateway.cache.semantic.embed import Vectors
from llm_gateway.cache.semantic.index import NamespaceIndex
from llm_gateway.cache.semantic.layer import SemanticLayer
from llm_gateway.cache.service import CacheHit
from llm_gateway.core.store import Store
from llm_gateway.core.store.memory import MemoryStore
from llm_gateway.core.store.redis import RedisStore
from llm_gateway.providers.registry_schema import CacheSpec
from llm_gateway.services.auth.principal import Principal

SPEC = CacheSpec(mode="semantic")
PRINCIPAL = Principal(auth_method="jwt", role="user", tier="free", user_id=uuid.UUID(int=7))
OTHER = Principal(auth_method="jwt", role="user", tier="free", user_id=uuid.UUID(int=8))
SEEDED = ["What is the capital of France?", "How tall is Mount Everest?", "Who wrote Hamlet?"]
RETRY_S = 1.0  # a failed build's retry pause (the cache's outage backoff)


class Folding:
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


def twin(text: str) -> str:
    """Another request (another exact key) that embeds like ``text``."""
    return text.lower().rstrip("?")


def plan_for(
    cache: ResponseCache, text: str, principal: Principal = PRINCIPAL, system: str | None = None
) -> CachePlan:
    """The plan of a question; another ``system`` prompt is another semantic context."""
    messages = [{"role": "user", "content": text}]
    if system is not None:
        messages.insert(0, {"role": "system", "content": system})
    request = {"model": "m", "temperature": 0, "messages": messages}
    plan = cache.plan(
        SPEC, alias="m", principal=principal, request=request, controls=CacheControls()
    )
    assert plan is not None
    assert plan.context is not None
    return plan


async def ask(
    cache: ResponseCache, text: str, principal: Principal = PRINCIPAL, system: str | None = None
) -> CacheHit | None:
    """A request: look up, and on a miss store an answer, as the proxy does."""
    plan = plan_for(cache, text, principal, system)
    hit = await cache.lookup(plan)
    if hit is None:
        answer = {"role": "assistant", "content": f"answer to {text}"}
        choice = {"index": 0, "message": answer, "finish_reason": "stop"}
        await cache.save(plan, {"id": "c", "object": "chat.completion", "choices": [choice]})
    return hit


@dataclass
class Instance:
    layer: SemanticLayer
    cache: ResponseCache

    async def built(self) -> None:
        """Until no build runs (the build is a background task)."""
        for _ in range(500):
            if self.layer.stats()["namespaces_building"] == 0:
                return
            await asyncio.sleep(0.01)
        raise AssertionError("the index build did not finish")


MakeInstance = Callable[..., Awaitable[Instance]]  # keyword overrides of CacheSettings


class Gate:
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


async def seed(one: Instance, gate: Gate) -> None:
    """Store ``SEEDED`` through one instance, then shut the gate for the next build."""
    gate.open.set()
    for text in SEEDED:
        assert await ask(one.cache, text) is None
    await one.built()
    gate.open.clear()
    gate.builds = 0


async def stored_keys(store: Store, prefix: str) -> list[str]:
    """The live keys starting with ``prefix`` (un-namespaced), read behind the store's back."""
    full = store.key(prefix)
    if isinstance(store, MemoryStore):
        found = [k for k in list(store.data.values) if k.startswith(full)]
        alive = [k for k in found if store.data.get(k) is not None]
    else:
        assert isinstance(store, RedisStore)
        pattern = re.sub(r"([*?\[\]\\])", r"\\\1", full) + "*"  # full, as a glob
        alive = [k.decode() async for k in store.client.scan_iter(match=pattern)]
    return sorted(k[len(store.namespace) :] for k in alive)
