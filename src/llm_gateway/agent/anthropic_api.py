"""``"model": "auto"`` on ``/v1/messages``: the agent's answer in Anthropic's Messages shapes.

The run is the one ``/v1/chat/completions`` serves (``openai_api``): the same quota reservation,
events, usage record and ``x-gateway-*`` headers; only the framing differs: one ``message``, or
Messages API SSE events. The response head is held until the first token, so an error before
it is a proper HTTP error (Anthropic-style) and the headers name the deployment and attempts.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any, cast

from llm_gateway.agent.completion import usage_object
from llm_gateway.agent.context import AUTO_MODEL
from llm_gateway.agent.events import AgentEvent, DoneEvent, ErrorEvent, TokenEvent
from llm_gateway.agent.openai_api import Summary, admit, as_exception, respond, settle
from llm_gateway.core.exceptions import GatewayError
from llm_gateway.providers.anthropic_inbound import canonical_response_to_anthropic
from llm_gateway.providers.anthropic_stream import (
    anthropic_error_event,
    canonical_to_anthropic_events,
)
from llm_gateway.providers.base import ChatChunk
from llm_gateway.services.proxy.exchange import Exchange
from llm_gateway.state import AppState


async def serve_auto_messages(
    state: AppState, exchange: Exchange, request: dict[str, Any], model: str
) -> None:
    """Serve a canonical (translated) Messages request for ``auto``; answers report ``model``."""
    principal, options = await admit(state, exchange.ctx, request)
    agent = await state.agent.get()
    events = agent.run(request["messages"], principal, AUTO_MODEL, options)
    if options.stream:
        await _stream(exchange, events, model)
    else:
        await respond(
            exchange, events, lambda body: canonical_response_to_anthropic(body, model=model)
        )


def _chunk(delta: dict[str, Any], finish: str | None = None) -> ChatChunk:
    return {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


async def _chunks(
    exchange: Exchange, events: AsyncIterator[AgentEvent]
) -> AsyncIterator[ChatChunk]:
    """The run's answer as canonical chunks; the head's headers are set before the first one."""
    ctx = exchange.ctx
    summary = Summary()
    async for event in events:
        summary.observe(event, ctx)
        if isinstance(event, TokenEvent):
            if not exchange.started:
                ctx.response_headers.update(summary.headers())
            yield _chunk({"content": event.text})
        elif isinstance(event, DoneEvent):
            settle(ctx, event)
            if not exchange.started:
                ctx.response_headers.update(summary.headers())
            yield {**_chunk({}, event.finish_reason), "usage": usage_object(event.usage)}
            return
        elif isinstance(event, ErrorEvent):
            raise as_exception(event)


async def _stream(exchange: Exchange, events: AsyncIterator[AgentEvent], model: str) -> None:
    ctx = exchange.ctx
    frames = cast(
        AsyncGenerator[bytes, None],
        canonical_to_anthropic_events(_chunks(exchange, events), model=model),
    )
    try:
        async for data in frames:
            await exchange.emit(data)
    except GatewayError as exc:
        if not exchange.started:
            raise  # nothing sent yet: a proper HTTP error
        ctx.fail(exc)
        await exchange.finish(anthropic_error_event(exc, request_id=ctx.request_id))
        return
    finally:
        await frames.aclose()
    await exchange.finish()
