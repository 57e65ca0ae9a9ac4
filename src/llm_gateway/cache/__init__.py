"""Response cache: exact and semantic, per tenant, with verified semantic hits (docs/CACHE.md)."""

from llm_gateway.cache.controls import CacheControls, read_controls
from llm_gateway.cache.counters import CacheCounters
from llm_gateway.cache.plan import CachePlan
from llm_gateway.cache.service import CacheHit, ResponseCache

__all__ = [
    "CacheControls",
    "CacheCounters",
    "CacheHit",
    "CachePlan",
    "ResponseCache",
    "read_controls",
]
