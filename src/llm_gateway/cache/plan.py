"""Deciding, without any I/O, whether and how one request uses the cache."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from llm_gateway.cache.controls import CacheControls
from llm_gateway.cache.keys import canonical_request, is_deterministic, tenant_namespace
from llm_gateway.providers.params import content_text
from llm_gateway.providers.registry_schema import CacheSpec
from llm_gateway.services.auth.principal import Principal


@dataclass(slots=True)
class CachePlan:
    """Where a request's answer is looked up and stored; ``generation`` is set by the lookup."""

    alias: str
    namespace: str  # the tenant's (or the shared) namespace
    digest: str  # the canonical request
    ttl_s: int
    read: bool
    write: bool
    spec: CacheSpec
    query: str | None = None  # semantic: the last user message
    context: str | None = None  # semantic: index namespace (tenant + everything but the query)
    generation: str | None = None
    vector: Any = None  # semantic: the query's embedding, computed once by the lookup
    candidate: tuple[str, float] | None = None  # semantic: a rejected near match (digest, score)


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest()


def semantic_parts(request: Mapping[str, Any], max_chars: int) -> tuple[str, str] | None:
    """(query text, context digest) when the request ends in a plain-text user message."""
    messages = request.get("messages") or []
    if not messages or messages[-1].get("role") != "user":
        return None
    last = messages[-1]
    content = last.get("content")
    if not isinstance(content, str) and not (
        isinstance(content, list) and all(p.get("type") == "text" for p in content)
    ):
        return None  # images and other parts: exact matching only
    query = content_text(content).strip()
    if not query or len(query) > max_chars:
        return None
    rest = {**request, "messages": [*messages[:-1], {"role": "user", "content": "?"}]}
    return query, _digest(canonical_request(rest))


def make_plan(
    spec: CacheSpec,
    *,
    alias: str,
    principal: Principal | None,
    request: Mapping[str, Any],
    controls: CacheControls,
    semantic_max_chars: int,
) -> CachePlan | None:
    """None when the request bypasses the cache (not deterministic, or no-cache + no-store)."""
    if spec.deterministic_only and not is_deterministic(request):
        return None
    if controls.no_cache and controls.no_store:
        return None
    namespace = tenant_namespace(principal, shared=spec.shared)
    keyed = {**request, "model": alias}
    ttl = spec.ttl_s if controls.ttl_s is None else min(controls.ttl_s, spec.ttl_s)
    plan = CachePlan(
        alias=alias,
        namespace=namespace,
        digest=_digest(canonical_request(keyed)),
        ttl_s=ttl,
        read=not controls.no_cache,
        write=not controls.no_store,
        spec=spec,
    )
    if spec.mode == "semantic":
        parts = semantic_parts(keyed, semantic_max_chars)
        if parts is not None:
            plan.query = parts[0]
            plan.context = f"{namespace}|{parts[1]}"
    return plan
