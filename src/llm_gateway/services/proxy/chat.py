"""``POST /v1/chat/completions``: validate, route, and answer in OpenAI's JSON or SSE framing."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

import orjson

from llm_gateway.cache import CacheHit, CachePlan, read_controls
from llm_gateway.cache.assemble import StreamAssembler
from llm_gateway.cache.replay import replay
from llm_gateway.core.config import GuardrailPolicy
from llm_gateway.core.exceptions import GatewayError
from llm_gateway.providers.base import ChatChunk
from llm_gateway.providers.streaming import SSE_DONE, openai_error_event, sse_data
from llm_gateway.services.proxy import caching, hooks
from llm_gateway.services.proxy.auto import AUTO_MODEL, dispatch_auto
from llm_gateway.services.proxy.capabilities import check_chat
from llm_gateway.services.proxy.context import CLIENT_MODEL, CallContext
from llm_gateway.services.proxy.exchange import Exchange
from llm_gateway.services.proxy.guard import guard_response, guard_stream, screen_request
from llm_gateway.services.proxy.validation import validate_chat
from llm_gateway.state import AppState


async def chat_completions(state: AppState, exchange: Exchange, body: object) -> None:
    """Serve one chat completion, streamed or not."""
    ctx = exchange.ctx
    controls = read_controls(body, exchange.scope["headers"])  # pops the body's "cache" field
    request = validate_chat(body)
    model: str = request["model"]
    ctx.requested_model = model
    ctx.stream = request.get("stream") is True
    if model == AUTO_MODEL:
        # AGENT PIPELINE BRANCH POINT: "auto" leaves the lean proxy path here.
        await dispatch_auto(state, exchange, request, controls)
        return
    ctx.extras[CLIENT_MODEL] = model
    model = request["model"] = ctx.requested_model = state.models.resolve(model)
    info = state.models.get(model)  # 404 model_not_found for unknown aliases
    check_chat(info, request)
    policy = await screen_request(state, ctx, request)  # None unless proxy guardrails are on
    await hooks.before_upstream(state, ctx, request)
    plan, hit = await caching.lookup(state, ctx, info, request, controls)
    if hit is not None:
        if policy is None:
            await caching.send_openai(exchange, hit, request)
        else:
            await send_cached(state, exchange, hit, request, policy)
    elif ctx.stream:
        await _stream(state, exchange, request, plan, policy)
    else:
        response = await state.router.chat(request, ctx)
        ctx.usage = response.get("usage")
        if policy is not None:
            guard_response(state, ctx, policy, response)
        response["model"] = ctx.alias
        await exchange.send_json(200, orjson.dumps(response))
        await caching.save(state, plan, response)


async def send_cached(
    state: AppState,
    exchange: Exchange,
    hit: CacheHit,
    request: dict[str, Any],
    policy: GuardrailPolicy,
) -> None:
    """A cached completion under an output policy, as JSON or replayed as OpenAI chunks.

    The output guard runs on cached answers too: the cache key does not include the caller's
    tier, so an answer stored under a log-only policy may be served to a masking one.
    """
    ctx = exchange.ctx
    response = {**hit.response, "model": ctx.alias}
    if not ctx.stream:
        response = orjson.loads(orjson.dumps(response))  # never edit the cached object
        guard_response(state, ctx, policy, response)
        await exchange.send_json(200, orjson.dumps(response))
        return
    include_usage = (request.get("stream_options") or {}).get("include_usage") is True
    chunks = guard_stream(state, ctx, policy, replay(response))
    try:
        async for data in openai_events(chunks, ctx, include_usage=include_usage):
            await exchange.emit(data)
    except GatewayError as exc:
        ctx.fail(exc)
        await exchange.finish(openai_error_event(exc, request_id=ctx.request_id))
        return
    await exchange.finish(SSE_DONE)


async def _stream(
    state: AppState,
    exchange: Exchange,
    request: dict[str, Any],
    plan: CachePlan | None,
    policy: GuardrailPolicy | None,
) -> None:
    ctx = exchange.ctx
    options = request.get("stream_options") or {}
    include_usage = options.get("include_usage") is True
    # Usage is always asked of the upstream (for accounting); the client sees it only if it asked.
    request["stream_options"] = {**options, "include_usage": True}
    stream = await state.router.chat_stream(request, ctx)  # retries and fallbacks end here
    assembler = StreamAssembler() if plan is not None else None
    async with stream:
        try:
            guarded: AsyncIterator[ChatChunk] = (
                stream if policy is None else guard_stream(state, ctx, policy, stream)
            )
            chunks = caching.assembled(guarded, assembler)  # the cache keeps the guarded text
            async for data in openai_events(chunks, ctx, include_usage=include_usage):
                await exchange.emit(data)
        except GatewayError as exc:
            ctx.fail(exc)
            await exchange.finish(openai_error_event(exc, request_id=ctx.request_id))
            return
    await exchange.finish(SSE_DONE)
    await caching.save_stream(state, plan, assembler)


async def openai_events(
    stream: AsyncIterable[ChatChunk], ctx: CallContext, *, include_usage: bool
) -> AsyncIterator[bytes]:
    """Canonical chunks framed as OpenAI SSE events, usage recorded on ``ctx`` on the way."""
    alias = ctx.alias
    async for chunk in stream:
        data = _frame(chunk, ctx, alias, include_usage)
        if data is not None:
            yield data


def _frame(
    chunk: ChatChunk, ctx: CallContext, alias: str | None, include_usage: bool
) -> bytes | None:
    ctx.observe_chunk(chunk)
    if "usage" in chunk:
        usage = chunk["usage"]
        if not include_usage:
            if usage and not chunk.get("choices"):
                return None  # the usage-only chunk the client did not ask for
            del chunk["usage"]
    chunk["model"] = alias
    return sse_data(chunk)
