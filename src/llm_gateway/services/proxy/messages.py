"""``POST /v1/messages``: the Anthropic Messages API over any alias, in Anthropic's framing."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator
from typing import Any, cast

import orjson

from llm_gateway.cache import CacheHit, CachePlan, read_controls
from llm_gateway.cache.assemble import StreamAssembler
from llm_gateway.cache.replay import replay
from llm_gateway.core.config import GuardrailPolicy
from llm_gateway.core.exceptions import GatewayError, InvalidRequestError
from llm_gateway.providers.anthropic_inbound import (
    anthropic_request_to_canonical,
    canonical_response_to_anthropic,
)
from llm_gateway.providers.anthropic_stream import (
    anthropic_error_event,
    canonical_to_anthropic_events,
)
from llm_gateway.providers.base import ChatChunk
from llm_gateway.services import tokens
from llm_gateway.services.proxy import caching, hooks
from llm_gateway.services.proxy.auto import AUTO_MODEL, dispatch_auto_messages
from llm_gateway.services.proxy.capabilities import check_chat
from llm_gateway.services.proxy.context import CLIENT_MODEL, CallContext
from llm_gateway.services.proxy.exchange import Exchange
from llm_gateway.services.proxy.guard import guard_response, guard_stream, screen_request
from llm_gateway.state import AppState


async def create_message(state: AppState, exchange: Exchange, body: object) -> None:
    """Serve one Messages API call, streamed or not."""
    ctx = exchange.ctx
    controls = read_controls(body, exchange.scope["headers"])  # pops the body's "cache" field
    check_sampling(body)
    request = anthropic_request_to_canonical(body)  # 400 naming the param, Anthropic-style
    model: str = request["model"]  # the name the client sent, echoed in the answer
    if model == AUTO_MODEL:  # AGENT PIPELINE BRANCH POINT, as on /v1/chat/completions
        ctx.requested_model = model
        ctx.stream = request.get("stream") is True
        await dispatch_auto_messages(state, exchange, request, model)
        return
    ctx.extras[CLIENT_MODEL] = model
    alias = request["model"] = ctx.requested_model = state.models.resolve(model)
    ctx.stream = request.get("stream") is True
    info = state.models.get(alias)
    check_chat(info, request)
    policy = await screen_request(state, ctx, request)  # None unless proxy guardrails are on
    await hooks.before_upstream(state, ctx, request)
    plan, hit = await caching.lookup(state, ctx, info, request, controls)
    if hit is not None:
        await _send_cached(state, exchange, hit, model, policy)
    elif ctx.stream:
        await _stream(state, exchange, request, model, plan, policy)
    else:
        response = await state.router.chat(request, ctx)
        ctx.usage = response.get("usage")
        if policy is not None:
            guard_response(state, ctx, policy, response)
        message = canonical_response_to_anthropic(response, model=model)
        await exchange.send_json(200, orjson.dumps(message))
        await caching.save(state, plan, response)


async def _send_cached(
    state: AppState, exchange: Exchange, hit: CacheHit, model: str, policy: GuardrailPolicy | None
) -> None:
    """A cached completion as an Anthropic message, or replayed as Anthropic stream events.

    The output guard runs on cached answers too (the cache key does not include the tier).
    """
    ctx = exchange.ctx
    if not ctx.stream:
        response: dict[str, Any] = orjson.loads(orjson.dumps(hit.response))  # never edit the cache
        if policy is not None:
            guard_response(state, ctx, policy, response)
        message = canonical_response_to_anthropic(response, model=model)
        await exchange.send_json(200, orjson.dumps(message))
        return
    chunks: AsyncIterator[ChatChunk] = replay(hit.response)
    if policy is not None:
        chunks = guard_stream(state, ctx, policy, chunks)
    try:
        await _relay(exchange, chunks, model)
    except GatewayError as exc:
        ctx.fail(exc)
        await exchange.finish(anthropic_error_event(exc, request_id=ctx.request_id))
        return
    await exchange.finish()


async def count_tokens(state: AppState, exchange: Exchange, body: object) -> None:
    """``POST /v1/messages/count_tokens``: the prompt's tokens as the gateway meters them.

    Counted with the tokenizer the alias's upstream model uses (cl100k for unknown models: an
    estimate, close to but not exactly Anthropic's own count). Not metered, nothing is recorded.
    """
    if isinstance(body, dict) and "max_tokens" not in body:
        body = {**body, "max_tokens": 1}  # the one field count_tokens does not take
    check_sampling(body)
    request = anthropic_request_to_canonical(body)
    alias = state.models.resolve(request["model"])
    info = state.models.get(alias)  # 404 model_not_found, as on /v1/messages
    model = info.deployments[0].model
    await tokens.ensure_built([model])
    total = tokens.count_message_tokens(request["messages"], model, request.get("tools"))
    await exchange.send_json(200, orjson.dumps({"input_tokens": total}))


def _invalid(param: str, what: str) -> InvalidRequestError:
    return InvalidRequestError(f"{param}: {what}", param=param)


def check_sampling(body: object) -> None:
    """The fields the translation copies through unchecked: their types, as Anthropic checks them.

    Without this, a bad ``stop_sequences`` or ``temperature`` reaches the upstream, whose error
    (or crash) would come back as a 502/503 and count against the deployment's health.
    """
    if not isinstance(body, dict):
        return  # the translation refuses it
    for name in ("temperature", "top_p"):
        value = body.get(name)
        if value is not None and (
            not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1
        ):
            raise _invalid(name, "must be a number between 0 and 1")
    top_k = body.get("top_k")
    if top_k is not None and (not isinstance(top_k, int) or isinstance(top_k, bool) or top_k < 0):
        raise _invalid("top_k", "must be a non-negative integer")
    stop = body.get("stop_sequences")
    if stop is not None and (
        not isinstance(stop, list) or not all(isinstance(s, str) for s in stop)
    ):
        raise _invalid("stop_sequences", "must be a list of strings")
    stream = body.get("stream")
    if stream is not None and not isinstance(stream, bool):
        raise _invalid("stream", "must be a boolean")


async def _stream(
    state: AppState,
    exchange: Exchange,
    request: dict[str, Any],
    model: str,
    plan: CachePlan | None,
    policy: GuardrailPolicy | None,
) -> None:
    ctx = exchange.ctx
    stream = await state.router.chat_stream(request, ctx)  # retries and fallbacks end here
    assembler = StreamAssembler() if plan is not None else None
    async with stream:
        chunks: AsyncIterator[ChatChunk] = (
            stream if policy is None else guard_stream(state, ctx, policy, stream)
        )
        try:
            await _relay(
                exchange, caching.assembled(chunks, assembler), model
            )  # guarded text cached
        except GatewayError as exc:
            ctx.fail(exc)
            await exchange.finish(anthropic_error_event(exc, request_id=ctx.request_id))
            return
    await exchange.finish()
    await caching.save_stream(state, plan, assembler)


async def _relay(exchange: Exchange, chunks: AsyncIterable[ChatChunk], model: str) -> None:
    """Canonical chunks framed as Anthropic events and sent, usage recorded on the way."""
    # An async generator: closed explicitly so a cancelled stream does not linger until GC.
    events = cast(
        AsyncGenerator[bytes, None],
        canonical_to_anthropic_events(_recording_usage(chunks, exchange.ctx), model=model),
    )
    try:
        async for data in events:
            await exchange.emit(data)
    finally:
        await events.aclose()


async def _recording_usage(
    stream: AsyncIterable[ChatChunk], ctx: CallContext
) -> AsyncIterator[ChatChunk]:
    async for chunk in stream:
        ctx.observe_chunk(chunk)
        yield chunk
