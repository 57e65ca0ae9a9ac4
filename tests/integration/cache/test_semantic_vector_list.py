"""The list of a namespace's vector hashes (``cache:vh:<namespace>``) stays bounded.

Every conversation prefix is a semantic context of its own, so an active tenant creates vector
hashes without end; each expires by its TTL, and its name must leave the list too, or the list
grows for as long as the tenant is active and a flush walks (and unlinks) every name ever listed.
"""

from __future__ import annotations

import asyncio

from llm_gateway.cache.semantic.store import VectorStore
from llm_gateway.core.store import Store
from llm_gateway.core.store.memory import MemoryStore
from llm_gateway.core.store.redis import RedisStore
from tests.integration.cache.semantic_instances import Folding


async def listed(store: Store, namespace: str) -> set[str]:
    """The hash names the list holds, read behind the store's back."""
    full = store.key(f"cache:vh:{namespace}")
    if isinstance(store, MemoryStore):
        table = store.data.get(full)
        names = list(table) if isinstance(table, dict) else []
    else:
        assert isinstance(store, RedisStore)
        kind = await store.client.type(full)
        kind = kind.decode() if isinstance(kind, bytes) else kind
        if kind == "hash":
            names = await store.client.hkeys(full)
        else:
            names = await store.client.zrange(full, 0, -1)
    return {n.decode()[len(store.namespace) :] for n in names}


async def test_an_expired_vector_hash_leaves_the_list(semantic_store: Store) -> None:
    vectors = VectorStore(semantic_store)
    vector = Folding().embed(["x"])[0]
    assert await vectors.add("ns|gone", "d1", vector, 1, "0") == 1
    assert await vectors.add("ns|kept", "d2", vector, 600, "0") == 1
    await asyncio.sleep(3.2)  # "ns|gone" expired, and its one-second margin passed
    assert await semantic_store.get("cache:v:ns|gone") is None
    assert await vectors.add("ns|new", "d3", vector, 600, "0") == 1
    assert await listed(semantic_store, "ns") == {"cache:v:ns|kept", "cache:v:ns|new"}
