"""The response cache on the proxy path: look up before the upstream, store after, replay hits.

Both APIs share the cache: entries are canonical completions, so an answer stored through
``/v1/messages`` can serve ``/v1/chat/completions`` and the other way round, streamed or not.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from llm_gateway.cache import CacheControls, CacheHit, CachePlan
from llm_gateway.cache.assemble import StreamAssembler
from llm_gateway.core.state import AppState
from llm_gateway.providers.base import ChatChunk
from llm_gateway.providers.registry import ModelInfo
from llm_gateway.services.proxy.context import CallContext

CACHE_HEADER = "x-gateway-cache"
CACHE_KEY_HEADER = "x-gateway-cache-key"
HIT_EXTRA = "cache_hit"
PLAN_EXTRA = "cache_plan"


async def lookup(
    state: AppState,
    ctx: CallContext,
    info: ModelInfo,
    request: dict[str, Any],
    controls: CacheControls,
) -> tuple[CachePlan | None, CacheHit | None]:
    """Plan (no I/O when the alias does not cache) and look up; marks ``ctx`` on a hit."""
    plan = state.cache.plan(
        info.cache, alias=info.alias, principal=ctx.principal, request=request, controls=controls
    )
    if plan is None:
        return None, None
    hit = await state.cache.lookup(plan)
    if hit is None:
        if plan.generation is not None:  # the store answered
            ctx.response_headers[CACHE_HEADER] = "miss"
            ctx.response_headers[CACHE_KEY_HEADER] = plan.digest
        return plan, None
    ctx.alias = info.alias
    ctx.usage = hit.response.get("usage") or {}
    ctx.extras[HIT_EXTRA] = hit.kind
    ctx.extras[PLAN_EXTRA] = plan
    ctx.response_headers[CACHE_HEADER] = hit.kind
    ctx.response_headers[CACHE_KEY_HEADER] = hit.digest
    return plan, hit


async def save(state: AppState, plan: CachePlan | None, response: dict[str, Any]) -> None:
    """Store a fresh answer (after it went out)."""
    if plan is not None:
        await state.cache.save(plan, response)


async def assembled(
    stream: AsyncIterator[ChatChunk], assembler: StreamAssembler | None
) -> AsyncIterator[ChatChunk]:
    """Pass chunks through, feeding ``assembler`` so the whole answer can be stored after."""
    async for chunk in stream:
        if assembler is not None:
            assembler.observe(chunk)
        yield chunk


async def save_stream(
    state: AppState, plan: CachePlan | None, assembler: StreamAssembler | None
) -> None:
    if plan is not None and assembler is not None and assembler.complete:
        await state.cache.save(plan, assembler.response())
