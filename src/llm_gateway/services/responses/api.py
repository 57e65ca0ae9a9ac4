"""``POST /v1/responses`` and ``GET``/``DELETE /v1/responses/{id}``: the handlers.

A create is one proxied call like ``/v1/chat/completions``: parsed and checked, metered by
``hooks.before_upstream`` on the canonical request, routed, and finalized once by the shared
endpoint. A stored response is written before the client sees it complete (the JSON body, or
the ``response.completed`` event), so a follow-up with ``previous_response_id`` always finds it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
from sqlalchemy.exc import SQLAlchemyError

from llm_gateway.cache import read_controls
from llm_gateway.cache.assemble import StreamAssembler
from llm_gateway.cache.replay import replay
from llm_gateway.core.config import GuardrailPolicy
from llm_gateway.core.database import session_scope
from llm_gateway.core.exceptions import GatewayError, InvalidRequestError, NotFoundError
from llm_gateway.core.logging import get_logger
from llm_gateway.models.response import StoredResponse
from llm_gateway.providers.base import ChatChunk
from llm_gateway.repositories import responses as repo
from llm_gateway.services.auth.principal import Principal
from llm_gateway.services.proxy import caching, hooks
from llm_gateway.services.proxy.auto import AUTO_MODEL
from llm_gateway.services.proxy.capabilities import check_chat
from llm_gateway.services.proxy.context import CallContext
from llm_gateway.services.proxy.exchange import Exchange
from llm_gateway.services.proxy.guard import guard_response, guard_stream, screen_request
from llm_gateway.services.responses import objects
from llm_gateway.services.responses.request import ResponsesCall, parse_request
from llm_gateway.services.responses.stream import EventWriter
from llm_gateway.state import AppState

_log = get_logger("llm_gateway.responses")


def _principal(exchange: Exchange) -> Principal:
    principal = exchange.ctx.principal
    if principal is None:  # the endpoint authenticates before any handler runs
        raise RuntimeError("unauthenticated call reached a responses handler")
    return principal


def _not_found(response_id: str, param: str | None = None) -> NotFoundError:
    return NotFoundError(
        f"Response with id '{response_id}' not found.", code="response_not_found", param=param
    )


async def _history(state: AppState, principal: Principal, response_id: str) -> list[Any]:
    async with session_scope(state.session_factory) as session:
        stored = await repo.get_owned(session, response_id, principal.user_id)
        if stored is None:
            raise _not_found(response_id, "previous_response_id")
        return list(stored.messages)


async def _save(
    state: AppState,
    principal: Principal,
    call: ResponsesCall,
    response: dict[str, Any],
    history: list[Any],
) -> None:
    """Store ``response`` for its owner; a database failure is logged and reported as
    ``store: false`` on the response instead of failing an answer the client already paid for."""
    messages = (
        history + call.input_messages + objects.output_messages(response["output"], call.names)
    )
    row = StoredResponse(
        id=response["id"],
        owner_id=principal.user_id,
        api_key_id=principal.api_key_id,
        model=response["model"],
        previous_response_id=call.previous_response_id,
        body=response,
        messages=messages,
    )
    try:
        async with session_scope(state.session_factory) as session:
            await repo.add(session, row)
    except SQLAlchemyError:
        _log.exception("could not store response", response_id=response["id"])
        response["store"] = False


async def create_response(state: AppState, exchange: Exchange, body: object) -> None:
    """Serve one Responses API call, streamed or not."""
    ctx = exchange.ctx
    controls = read_controls(body, exchange.scope["headers"])  # pops the body's "cache" field
    call = parse_request(body)
    model: str = call.canonical["model"]
    ctx.requested_model = model
    ctx.stream = call.stream
    if model == AUTO_MODEL:
        raise InvalidRequestError(
            "'auto' is served on /v1/chat/completions only; name an alias here.",
            code="unsupported_model",
            param="model",
        )
    principal = _principal(exchange)
    history: list[Any] = []
    if call.previous_response_id:
        history = await _history(state, principal, call.previous_response_id)
        call.with_history(history)
    if not call.canonical["messages"]:
        raise InvalidRequestError(
            "'input' must contain at least one message.", code="invalid_value", param="input"
        )
    info = state.models.get(model)  # 404 model_not_found for unknown aliases
    check_chat(info, call.canonical)
    policy = await screen_request(state, ctx, call.canonical)  # None unless proxy guardrails are on
    await hooks.before_upstream(state, ctx, call.canonical)
    plan, hit = await caching.lookup(state, ctx, info, call.canonical, controls)
    rid = objects.response_id()
    if ctx.stream:
        if hit is not None:
            cached = _guarded(state, ctx, policy, replay(hit.response))
            await _relay(state, exchange, call, rid, history, cached)
            return
        stream = await state.router.chat_stream(call.canonical, ctx)  # retries end here
        assembler = StreamAssembler() if plan is not None else None
        async with stream:
            chunks = caching.assembled(_guarded(state, ctx, policy, stream), assembler)
            await _relay(state, exchange, call, rid, history, chunks)
        await caching.save_stream(state, plan, assembler)
        return
    if hit is not None:
        completion = orjson.loads(orjson.dumps(hit.response))  # never edit the cached object
    else:
        completion = await state.router.chat(call.canonical, ctx)
    ctx.usage = completion.get("usage")
    if policy is not None:
        guard_response(state, ctx, policy, completion)
    response = objects.from_completion(call, completion, rid, ctx.alias or model)
    if call.store:
        await _save(state, principal, call, response, history)
    await exchange.send_json(200, orjson.dumps(response))
    if hit is None:
        await caching.save(state, plan, completion)


def _guarded(
    state: AppState,
    ctx: CallContext,
    policy: GuardrailPolicy | None,
    chunks: AsyncIterator[ChatChunk],
) -> AsyncIterator[ChatChunk]:
    return chunks if policy is None else guard_stream(state, ctx, policy, chunks)


async def _relay(
    state: AppState,
    exchange: Exchange,
    call: ResponsesCall,
    rid: str,
    history: list[Any],
    chunks: AsyncIterator[ChatChunk],
) -> None:
    """Canonical chunks (upstream or a cached answer replayed) as Responses API events."""
    ctx = exchange.ctx
    writer = EventWriter(
        call, objects.base_response(call, rid, ctx.alias or ctx.requested_model or "")
    )
    try:
        await exchange.emit(writer.start())
        async for chunk in chunks:
            ctx.observe_chunk(chunk)
            if data := writer.chunk(chunk):
                await exchange.emit(data)
    except GatewayError as exc:
        ctx.fail(exc)
        await exchange.finish(writer.failed(exc, ctx.request_id))
        return
    closing = writer.close()
    if call.store:
        await _save(state, _principal(exchange), call, writer.response, history)
    await exchange.finish(closing + writer.completed())


def _response_id(exchange: Exchange) -> str:
    value: str = exchange.scope["path_params"]["response_id"]
    return value


async def retrieve_response(state: AppState, exchange: Exchange, body: object) -> None:
    """``GET /v1/responses/{id}``: the stored response, for its owner only."""
    rid = _response_id(exchange)
    if b"stream=true" in exchange.scope.get("query_string", b""):
        raise InvalidRequestError(
            "Streaming a stored response again is not supported.",
            code="unsupported_parameter",
            param="stream",
        )
    async with session_scope(state.session_factory) as session:
        stored = await repo.get_owned(session, rid, _principal(exchange).user_id)
        if stored is None:
            raise _not_found(rid)
        response = stored.body
    await exchange.send_json(200, orjson.dumps(response))


async def delete_response(state: AppState, exchange: Exchange, body: object) -> None:
    """``DELETE /v1/responses/{id}``: forget a stored response (its owner only)."""
    rid = _response_id(exchange)
    async with session_scope(state.session_factory) as session:
        deleted = await repo.delete_owned(session, rid, _principal(exchange).user_id)
    if not deleted:
        raise _not_found(rid)
    payload = {"id": rid, "object": "response.deleted", "deleted": True}
    await exchange.send_json(200, orjson.dumps(payload))
