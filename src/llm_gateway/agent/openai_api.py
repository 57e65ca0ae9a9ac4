"""``"model": "auto"`` on ``/v1/chat/completions``: run the agent, answer in OpenAI's shapes.

Non-streaming: one ``chat.completion`` with an extra ``gateway`` field (intent, model, tools,
guardrail verdicts, attempts, timings) that OpenAI clients ignore. Streaming: ``chat.completion
.chunk`` events as the answer's tokens arrive, the ``gateway`` field on the final chunk, then
``data: [DONE]``. Either way the ``x-gateway-*`` headers summarise the run. The response head is
held until the first token so an error before it is a proper HTTP error, and so the headers can
name the intent and the model.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import Any

import orjson

from llm_gateway.agent.completion import completion_object, usage_object
from llm_gateway.agent.context import AUTO_MODEL, AgentOptions
from llm_gateway.agent.events import (
    AgentEvent,
    DoneEvent,
    ErrorEvent,
    GuardrailEvent,
    IntentEvent,
    ModelEvent,
    ServingEvent,
    TokenEvent,
    ToolEvent,
)
from llm_gateway.cache import CacheControls
from llm_gateway.core.exceptions import (
    AuthenticationError,
    ClientError,
    GatewayError,
    InvalidRequestError,
    ServerError,
)
from llm_gateway.providers.streaming import SSE_DONE, openai_error_event, sse_data
from llm_gateway.services.auth.principal import Principal
from llm_gateway.services.proxy import caching, hooks
from llm_gateway.services.proxy.context import CallContext
from llm_gateway.services.proxy.exchange import Exchange
from llm_gateway.services.routing.trace import Attempt
from llm_gateway.state import AppState

# Sampling parameters handed to every answering model call; the rest of the body is the
# agent's business (its own tools, its own model choice).
_PASSED_PARAMS = (
    "temperature",
    "top_p",
    "max_tokens",
    "max_completion_tokens",
    "stop",
    "seed",
    "presence_penalty",
    "frequency_penalty",
    "logit_bias",
    "response_format",
    "user",
    "drop_params",
)
_CLIENT_TOOL_PARAMS = ("tools", "functions", "tool_choice", "function_call")


def agent_options(request: Mapping[str, Any]) -> AgentOptions:
    """The run options for a validated request, or a 400 for what ``auto`` cannot honour."""
    for param in _CLIENT_TOOL_PARAMS:
        if request.get(param) not in (None, [], "none"):
            raise InvalidRequestError(
                f"'{param}' is not supported with model 'auto': the agent uses the gateway's own "
                "tools. Send your tools with an explicit model alias.",
                code="unsupported_parameter",
                param=param,
            )
    if request.get("n") not in (None, 1):
        raise InvalidRequestError("'n' must be 1 with model 'auto'", param="n")
    params = {key: request[key] for key in _PASSED_PARAMS if request.get(key) is not None}
    return AgentOptions(stream=request.get("stream") is True, params=params)


def _latin1(value: str) -> str:
    return value.encode("latin-1", "replace").decode("latin-1")


class Summary:
    """What the events said so far: the source of the ``x-gateway-*`` headers."""

    def __init__(self) -> None:
        self.intent: str | None = None
        self.route: str | None = None
        self.tools: list[str] = []
        self.guardrails: list[str] = []

    def observe(self, event: AgentEvent, ctx: CallContext) -> None:
        if isinstance(event, IntentEvent):
            self.intent = event.label
            ctx.extras["intent"] = event.label  # usage records carry the intent
        elif isinstance(event, ModelEvent):
            ctx.alias = event.alias
            self.route = event.reason
        elif isinstance(event, ServingEvent):
            # A stream's head goes out with its first token, before the DoneEvent: name the
            # deployment and the tries so far, as a non-streamed answer's head does.
            ctx.alias = event.alias
            ctx.deployment = event.deployment
            ctx.attempts = _attempts(event.attempts)
        elif isinstance(event, ToolEvent) and event.phase == "end":
            self.tools.append(event.name if event.ok else f"{event.name}(error)")
        elif isinstance(event, GuardrailEvent) and event.action != "allow":
            self.guardrails.append(f"{event.stage}:{event.action}")

    def headers(self) -> dict[str, str]:
        values = {
            "x-gateway-intent": self.intent,
            "x-gateway-route": self.route,
            "x-gateway-tools": ",".join(dict.fromkeys(self.tools)),
            "x-gateway-guardrails": ",".join(self.guardrails),
        }
        return {k: _latin1(v) for k, v in values.items() if v}


def as_exception(event: ErrorEvent) -> GatewayError:
    kind = ClientError if 400 <= event.status_code < 500 else ServerError
    return kind(event.message, code=event.code, status_code=event.status_code)


def _attempts(records: Iterable[Mapping[str, Any]]) -> list[Attempt]:
    return [
        Attempt(
            deployment=a.get("deployment") or a["alias"],
            alias=a["alias"],
            outcome="ok" if a["ok"] else "error",
            error_code=a.get("error_code"),
            latency_ms=float(a.get("ms") or 0.0),
        )
        for a in records
    ]


def settle(ctx: CallContext, done: DoneEvent) -> None:
    """Give ``finalize`` (quotas, usage records) what the run used and who served it."""
    ctx.usage = usage_object(done.usage)
    ctx.alias = done.model
    ctx.deployment = done.deployment
    ctx.attempts = _attempts(done.metadata.get("attempts") or ())


async def admit(
    state: AppState, ctx: CallContext, request: dict[str, Any]
) -> tuple[Principal, AgentOptions]:
    """The caller and the run's options, once quota is reserved for the run (429/403 if not)."""
    principal = ctx.principal
    if principal is None:
        raise AuthenticationError()
    options = agent_options(request)
    # Quotas check and reserve per alias, and "auto" is none: reserve against the costliest alias
    # this caller's run may reach, then restore "auto" so the usage record names the agent.
    agent = await state.agent.get()  # built on the first auto request (agent.lazy)
    ctx.requested_model = agent.costliest_alias(principal, options)
    try:
        await hooks.before_upstream(state, ctx, request)
    finally:
        ctx.requested_model = AUTO_MODEL
    return principal, options


async def serve_auto(
    state: AppState,
    exchange: Exchange,
    request: dict[str, Any],
    controls: CacheControls | None = None,
) -> None:
    """Serve a validated ``model: auto`` chat request through the agent graph.

    With ``LLMGW_CACHE__AUTO_MODE`` set, a cached answer is served before any agent work.
    """
    ctx = exchange.ctx
    principal, options = await admit(state, ctx, request)
    plan = None
    if controls is not None:
        plan, hit = await caching.lookup_auto(state, ctx, request, controls)
        if hit is not None:
            await caching.send_openai(exchange, hit, request)
            return
    agent = await state.agent.get()
    events = agent.run(request["messages"], principal, AUTO_MODEL, options)
    if options.stream:
        stream_options = request.get("stream_options") or {}
        include_usage = stream_options.get("include_usage") is True
        done = await _relay(exchange, events, include_usage=include_usage)
    else:
        done = await respond(exchange, events)
    if plan is not None and done is not None and not (done.tools_used or done.guardrail_actions):
        await caching.save(state, plan, _completion(done))


def _completion(done: DoneEvent) -> dict[str, Any]:
    body: dict[str, Any] = completion_object(
        done.content, done.finish_reason, done.model, done.usage, {}
    )
    body.pop("gateway", None)
    return body


async def respond(
    exchange: Exchange,
    events: AsyncIterator[AgentEvent],
    render: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> DoneEvent | None:
    """The run's answer as one JSON body: a ``chat.completion``, or what ``render`` makes of it."""
    ctx = exchange.ctx
    summary = Summary()
    async for event in events:
        summary.observe(event, ctx)
        if isinstance(event, ErrorEvent):
            raise as_exception(event)
        if isinstance(event, DoneEvent):
            settle(ctx, event)
            ctx.response_headers.update(summary.headers())
            body = completion_object(
                event.content, event.finish_reason, event.model, event.usage, event.metadata
            )
            await exchange.send_json(200, orjson.dumps(body if render is None else render(body)))
            return event
    return None


class _Chunks:
    """OpenAI ``chat.completion.chunk`` framing for one streamed answer."""

    def __init__(self) -> None:
        self.id = f"chatcmpl-{uuid.uuid4().hex}"
        self.created = int(time.time())
        self.first = True

    def frame(
        self, model: str, delta: dict[str, Any], finish: str | None = None, **extra: Any
    ) -> bytes:
        if self.first:
            delta = {"role": "assistant", **delta}
            self.first = False
        chunk = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
            **extra,
        }
        return sse_data(chunk)

    def usage(self, model: str, done: DoneEvent) -> bytes:
        chunk = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": model,
            "choices": [],
            "usage": usage_object(done.usage),
        }
        return sse_data(chunk)


async def _relay(
    exchange: Exchange, events: AsyncIterator[AgentEvent], *, include_usage: bool
) -> DoneEvent | None:
    ctx = exchange.ctx
    summary = Summary()
    chunks = _Chunks()
    async for event in events:
        summary.observe(event, ctx)
        if isinstance(event, TokenEvent):
            if not exchange.started:
                ctx.response_headers.update(summary.headers())
            # A refusal streams before any model is chosen: "auto", as the final chunk says.
            await exchange.emit(chunks.frame(ctx.alias or AUTO_MODEL, {"content": event.text}))
        elif isinstance(event, DoneEvent):
            settle(ctx, event)
            if not exchange.started:
                ctx.response_headers.update(summary.headers())
            tail = [chunks.frame(event.model, {}, event.finish_reason, gateway=event.metadata)]
            if include_usage:
                tail.append(chunks.usage(event.model, event))
            await exchange.emit(b"".join(tail))
            await exchange.finish(SSE_DONE)
            return event
        elif isinstance(event, ErrorEvent):
            error = as_exception(event)
            if not exchange.started:
                raise error  # nothing sent yet: a proper HTTP error
            ctx.fail(error)
            await exchange.finish(openai_error_event(error, request_id=ctx.request_id))
            return None
    return None
