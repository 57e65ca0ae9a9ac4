"""The first semantic lookup in a namespace that holds N stored entries (embedding excluded).

    PYTHONPATH=$PWD/src nice -n 10 .venv/bin/python bench/cache_first_lookup.py --entries 20000
    (add --redis redis://127.0.0.1:6379/0 for the Redis store; default: the in-process store)

Stores N random unit vectors (384 dims) in one namespace's vector hash, then a fresh
``SemanticLayer`` (what a new or restarted instance sees) is asked once in that namespace.
Reported: how long that first lookup took; how long until the namespace's index was built
(polled every 5 ms); a lookup once built; and the longest event-loop stall meanwhile (a 1 ms
ticker: what every other request on the instance waited). Each run builds a new namespace, so
``--runs`` gives independent first lookups. For the figure before a change, run this file with
``PYTHONPATH`` pointing at the older checkout's ``src``. The machine is shared: compare runs
made together, and read the load average printed with them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import Sequence

import numpy as np

from llm_gateway.cache.counters import CacheCounters
from llm_gateway.cache.exact import ExactEntries
from llm_gateway.cache.plan import CachePlan
from llm_gateway.cache.semantic.embed import Vectors
from llm_gateway.cache.semantic.layer import SemanticLayer
from llm_gateway.cache.semantic.store import VectorStore
from llm_gateway.cache.semantic.verifier import load_verifier
from llm_gateway.core.config import CacheSettings, StoreSettings
from llm_gateway.core.store import Store, create_store
from llm_gateway.providers.registry_schema import CacheSpec

DIM = 384


class _Random:
    """A random unit vector per text: the lookup's embedding cost is not what is measured."""

    dim = DIM

    def embed(self, texts: Sequence[str]) -> Vectors:
        rows = np.random.default_rng().standard_normal((len(texts), DIM)).astype(np.float32)
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
        return rows


async def _seed(store: Store, context: str, entries: int) -> None:
    vectors = VectorStore(store)
    rows = _Random().embed([""] * entries)
    for start in range(0, entries, 500):
        await asyncio.gather(
            *(vectors.add(context, f"d{i}", rows[i], 600, "0") for i in range(start, start + 500))
        )


async def _run(store: Store, entries: int, run: int) -> str:
    context = f"bench{run}|ctx"
    await _seed(store, context, entries)
    layer = SemanticLayer(CacheSettings(), store, _Random(), load_verifier())
    plan = CachePlan(
        alias="m",
        namespace=f"bench{run}",
        digest="0" * 40,
        ttl_s=600,
        read=True,
        write=False,
        spec=CacheSpec(mode="semantic"),
        query="What is the capital of France?",
        context=context,
    )
    lookup = ExactEntries(store)
    stall = 0.0
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal stall
        while not stop.is_set():
            t = time.perf_counter()
            await asyncio.sleep(0.001)
            stall = max(stall, time.perf_counter() - t - 0.001)

    ticking = asyncio.create_task(ticker())
    await asyncio.sleep(0.01)
    started = time.perf_counter()
    await layer.find(plan, lookup, CacheCounters())
    first = time.perf_counter() - started
    # Polled: the same loop must time the older layer, which has nothing to wait on.
    while layer.stats()["namespaces_loaded"] < 1:  # noqa: ASYNC110
        await asyncio.sleep(0.005)
    built = time.perf_counter() - started
    t = time.perf_counter()
    await layer.find(plan, lookup, CacheCounters())
    later = time.perf_counter() - t
    stop.set()
    await ticking
    await layer.aclose()
    loaded = layer.stats()["entries_loaded"]
    return (
        f"first lookup {first * 1000:.1f} ms; index built after {built * 1000:.0f} ms "
        f"({loaded} entries); lookup once built {later * 1000:.1f} ms; "
        f"longest loop stall {stall * 1000:.0f} ms; load {os.getloadavg()[0]:.1f}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--redis", default=None)
    args = parser.parse_args()
    prefix = f"benchfirst{os.getpid()}:"
    store = create_store(StoreSettings(redis_url=args.redis, namespace=prefix))
    try:
        for run in range(args.runs):
            print(await _run(store, args.entries, run))
    finally:
        await store.close()


if __name__ == "__main__":
    asyncio.run(main())
