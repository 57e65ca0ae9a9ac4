"""The list of a namespace's vector hashes (``cache:vh:<namespace>``) stays bounded.

Every conversation prefix is a semantic context of its own, so an active tenant creates vector
hashes without end; each expires by its TTL, and its name must leave the list too, or the list
grows for as long as the tenant is active and a flush walks (and unlinks) every name ever listed.
"""

from __future__ import annotations

import asyncio

import pytest

from llm_gateway.cache.exact import ExactEntries
from llm_gateway.cache.semantic.store import VectorStore, pack
from llm_gateway.core.store import Store
from llm_gateway.core.store.memory import MemoryStore
from llm_gateway.core.store.redis import RedisStore
from tests.integration.cache.semantic_instances import Folding, stored_keys


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


async def test_a_list_left_as_a_hash_by_the_first_form_still_works(semantic_store: Store) -> None:
    """Redis kept the list as a hash before (names only): adds and a flush must not fail on it
    (WRONGTYPE), and the hashes it named still go with the flush."""
    if not isinstance(semantic_store, RedisStore):
        pytest.skip("the in-process store's data does not outlive a restart")
    vectors = VectorStore(semantic_store)
    vector = Folding().embed(["x"])[0]
    old, full = semantic_store.key("cache:v:ns|old"), semantic_store.key("cache:vh:ns")
    await semantic_store.client.hset(old, "d0", pack(vector))
    await semantic_store.client.expire(old, 600)
    await semantic_store.client.hset(full, old, "1")
    await semantic_store.client.expire(full, 600)
    assert await vectors.add("ns|new", "d1", vector, 600, "0") == 1
    assert await listed(semantic_store, "ns") == {"cache:v:ns|old", "cache:v:ns|new"}
    await ExactEntries(semantic_store).flush("ns")
    assert await stored_keys(semantic_store, "cache:v:ns|") == []
    assert await stored_keys(semantic_store, "cache:vh:ns") == []
    # A flush straight on a list still in its first form.
    await semantic_store.client.hset(semantic_store.key("cache:v:ns2|old"), "d0", pack(vector))
    await semantic_store.client.hset(
        semantic_store.key("cache:vh:ns2"), semantic_store.key("cache:v:ns2|old"), "1"
    )
    await ExactEntries(semantic_store).flush("ns2")
    assert await stored_keys(semantic_store, "cache:v") == []
