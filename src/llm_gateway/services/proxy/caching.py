"""The response cache on the proxy path: look up before the upstream, store after, replay hits.

Both APIs share the cache: entries are canonical completions, so an answer stored through
``/v1/messages`` can serve ``/v1/chat/completions`` and the other way round, streamed or not.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson

from llm_gateway.agent.conversation import user_text
from llm_gateway.cache import CacheControls, CacheHit, CachePlan
from llm_gateway.cache.assemble import StreamAssembler
from llm_gateway.cache.replay import completion_chunks
from llm_gateway.providers.base import ChatChunk
from llm_gateway.providers.registry import ModelInfo
from llm_gateway.providers.registry_schema import CacheSpec
from llm_gateway.providers.streaming import SSE_DONE, sse_data
from llm_gateway.services.guardrails.cache_gate import cache_allowed, hit_allowed
from llm_gateway.services.proxy.context import CallContext
from llm_gateway.services.proxy.exchange import Exchange
from llm_gateway.state import AppState

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
    return await _lookup(state, ctx, info.cache, info.alias, request, controls)


def auto_spec(state: AppState) -> CacheSpec:
    """The cache settings of ``"model": "auto"`` (from ``LLMGW_CACHE__AUTO_*``)."""
    settings = state.settings.cache
    return CacheSpec(
        mode=settings.auto_mode,
        ttl_s=settings.auto_ttl_s,
        semantic_small_talk=settings.auto_small_talk,
    )


async def lookup_auto(
    state: AppState, ctx: CallContext, request: dict[str, Any], controls: CacheControls
) -> tuple[CachePlan | None, CacheHit | None]:
    """The agent's answers, keyed under the model name ``auto``, as the caller's guardrail policy
    allows (``cache_gate``): none for a caller whose prompts are redacted, and not a hit that
    holds what their output policy acts on (that is a miss, answered afresh)."""
    messages = request.get("messages") or ()
    prompt = user_text(messages)
    if not cache_allowed(state, ctx.principal, prompt, messages):
        return None, None
    return await _lookup(
        state, ctx, auto_spec(state), "auto", request, controls, _policy_filter(state, ctx, prompt)
    )


def _policy_filter(state: AppState, ctx: CallContext, prompt: str) -> Callable[[CacheHit], bool]:
    return lambda hit: hit_allowed(state, ctx.principal, hit, prompt)


async def _lookup(
    state: AppState,
    ctx: CallContext,
    spec: CacheSpec,
    alias: str,
    request: dict[str, Any],
    controls: CacheControls,
    accept: Callable[[CacheHit], bool] | None = None,
) -> tuple[CachePlan | None, CacheHit | None]:
    if spec.mode == "off":
        return None, None
    plan = state.cache.plan(
        spec, alias=alias, principal=ctx.principal, request=request, controls=controls
    )
    if plan is None:
        return None, None
    hit = await state.cache.lookup(plan)
    if hit is not None and accept is not None and not accept(hit):
        hit = None
    if hit is None:
        if plan.generation is not None:  # the store answered
            ctx.response_headers[CACHE_HEADER] = "miss"
            ctx.response_headers[CACHE_KEY_HEADER] = plan.digest
        return plan, None
    ctx.alias = alias
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


def assembled(
    stream: AsyncIterator[ChatChunk], assembler: StreamAssembler | None
) -> AsyncIterator[ChatChunk]:
    """Pass chunks through, feeding ``assembler`` so the whole answer can be stored after.

    Without an assembler (no cache for this call) ``stream`` itself: a pass-through generator
    would cost one more generator step for every chunk of every stream.
    """
    if assembler is None:
        return stream
    return _assembling(stream, assembler)


async def _assembling(
    stream: AsyncIterator[ChatChunk], assembler: StreamAssembler
) -> AsyncIterator[ChatChunk]:
    async for chunk in stream:
        assembler.observe(chunk)
        yield chunk


async def save_stream(
    state: AppState, plan: CachePlan | None, assembler: StreamAssembler | None
) -> None:
    if plan is not None and assembler is not None and assembler.complete:
        await state.cache.save(plan, assembler.response())


async def send_openai(exchange: Exchange, hit: CacheHit, request: dict[str, Any]) -> None:
    """A cached completion as OpenAI JSON, or replayed as OpenAI chunks for a stream."""
    ctx = exchange.ctx
    response = {**hit.response, "model": ctx.alias}
    if not ctx.stream:
        await exchange.send_json(200, orjson.dumps(response))
        return
    include_usage = (request.get("stream_options") or {}).get("include_usage") is True
    for chunk in completion_chunks(response):
        ctx.observe_chunk(chunk)
        if "usage" in chunk and not include_usage:
            continue
        chunk["model"] = ctx.alias
        await exchange.emit(sse_data(chunk))
    await exchange.finish(SSE_DONE)
