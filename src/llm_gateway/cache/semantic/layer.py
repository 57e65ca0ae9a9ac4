"""The semantic layer (filled in by the semantic cache work)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from llm_gateway.cache.counters import CacheCounters
from llm_gateway.cache.exact import Entry, ExactEntries
from llm_gateway.cache.plan import CachePlan


@dataclass(frozen=True, slots=True)
class SemanticMatch:
    digest: str
    entry: Entry
    score: float


class SemanticLayer:
    async def find(
        self, plan: CachePlan, entries: ExactEntries, counters: CacheCounters
    ) -> SemanticMatch | None:
        return None

    async def add(self, plan: CachePlan, entry: Entry) -> None:
        return None

    async def forget(self, namespace: str, digest: str, *, context: str | None) -> None:
        return None

    async def flush(self, namespace: str) -> None:
        return None

    async def aclose(self) -> None:
        return None

    def stats(self) -> dict[str, Any]:
        return {}
