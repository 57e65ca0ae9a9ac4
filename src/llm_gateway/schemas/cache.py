"""Bodies of the cache endpoints: flagging a wrong answer, flushing a namespace, stats."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from llm_gateway.providers.registry_schema import CacheSpec

_KEY = r"^[0-9a-f]{40}$"


class FlagRequest(BaseModel):
    """The ``x-gateway-cache-key`` of the answer that was wrong, and the model that served it."""

    model_config = ConfigDict(extra="forbid")
    model: str = Field(min_length=1, max_length=128)
    key: str = Field(pattern=_KEY)


class AdminFlagRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    namespace: str = Field(min_length=1, max_length=200)
    key: str = Field(pattern=_KEY)


class FlushRequest(BaseModel):
    """``user:<id>``, ``key:<id>``, ``master_key`` or ``shared`` (see ``x-gateway-cache`` docs)."""

    model_config = ConfigDict(extra="forbid")
    namespace: str = Field(min_length=1, max_length=200)


class KeyCacheSharing(BaseModel):
    """An API key's shared-namespace opt-in (admin only; off for every new key)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    shared: bool


class KeyCacheSharingOut(KeyCacheSharing):
    model_config = ConfigDict(extra="forbid")
    api_key_id: uuid.UUID


class FlagResponse(BaseModel):
    flagged: bool  # False: no such entry (expired, flushed, or already flagged)


class CacheCountersOut(BaseModel):
    """Monotonic counts since the process started (one instance; sum across instances)."""

    lookups: int
    hits: int  # exact hits
    semantic_hits: int
    misses: int
    stores: int
    bypassed: int  # not deterministic, or the caller sent no-cache
    verifier_rejections: int  # near candidates the verifier scored under its threshold
    threshold_rejections: int  # passed the trained threshold, refused by the entry's own one
    semantic_skipped_language: int = 0  # exact only: the alias's semantic_languages omit it
    semantic_skipped_small_talk: int = 0  # exact only: small talk (alias semantic_small_talk)
    # Semantic lookups served as misses because the namespace's index was building on this
    # instance (or waiting to retry a failed build); builds that failed; builds discarded
    # because more changes arrived during them than they queue (rebuilt on the next lookup).
    semantic_index_building: int = 0
    semantic_index_build_failures: int = 0
    semantic_index_build_overflows: int = 0  # discarded: more changes during them than queued
    # Misses whose build could not start: LLMGW_CACHE__SEMANTIC_MAX_CONCURRENT_BUILDS builds
    # were running (a later lookup starts it); also counted in semantic_index_building.
    semantic_index_build_deferred: int = 0
    # Built indexes evicted to stay within LLMGW_CACHE__SEMANTIC_INDEX_BUDGET (least recently
    # looked up first), or after LLMGW_CACHE__SEMANTIC_INDEX_IDLE_S unused; rebuilt on use.
    semantic_index_evictions: int = 0
    semantic_index_idle_evictions: int = 0
    semantic_sync_skipped: int = 0  # pub/sub messages this instance could not read or apply
    semantic_errors: int = 0  # the layer itself failed (embedder, verifier): served upstream
    judge_calls: int = 0  # grey-zone candidates sent to the small model (LLMGW_CACHE__JUDGE_*)
    judge_hits: int = 0  # ... that it called the same question (served from cache)
    judge_fallbacks: int = 0  # no verdict in time or budget: the verifier's miss stood
    flagged: int  # answers reported wrong and evicted
    store_errors: int
    skipped_store_down: int  # requests that went straight upstream while the store was down


class SemanticStatsOut(BaseModel):
    """The semantic layer on this instance (``enabled`` false: no alias uses it)."""

    enabled: bool
    namespaces_loaded: int = 0
    entries_loaded: int = 0
    entries_budget: int = 0  # what all loaded indexes may hold together
    namespaces_building: int = 0  # builds running in the background (lookups there: misses)
    builds_max: int = 0  # how many may run at once (LLMGW_CACHE__SEMANTIC_MAX_CONCURRENT_BUILDS)
    namespaces_waiting: int = 0  # deferred builds in line for a slot (first asked, first built)
    entries_building: int = 0  # entries those builds are indexing (counted against the budget)
    namespaces_retrying: int = 0  # failed builds waiting out their retry pause
    changes_queued: int = 0  # changes waiting for those builds to land (bounded per build)
    # Swapped-span vectors kept across lookups (LLMGW_CACHE__SEMANTIC_SPAN_VECTORS), and how
    # many span texts lookups found there or had to embed.
    span_vectors_held: int = 0
    span_vector_hits: int = 0
    span_vector_misses: int = 0


class CacheStatsOut(BaseModel):
    """``GET /admin/cache`` — a stable shape the console reads (docs/CACHE.md)."""

    enabled: bool
    store_available: bool
    counters: CacheCountersOut
    semantic: SemanticStatsOut
    aliases: dict[str, CacheSpec]  # aliases whose cache is not off, with their settings
