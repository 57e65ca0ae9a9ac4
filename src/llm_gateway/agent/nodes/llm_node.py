"""The model call (small and large nodes): buffered or streamed, with native tool calling.

Retries across deployments belong to the router behind ``LLMClient``; this node only records
its attempts and, when the call failed before any token reached the client, marks the alias
failed so the graph can fall back to the other tier's alias. Streamed text passes through the
output ``StreamGuard`` before it is emitted.
"""

from __future__ import annotations

import time
from typing import Any, Protocol

from langgraph.runtime import Runtime
from langgraph.types import StreamWriter

from llm_gateway.agent.context import AgentContext
from llm_gateway.agent.events import ServingEvent, TokenEvent
from llm_gateway.agent.nodes.attempts import (
    attempt_records,
    router_fallback,
    served_attempt,
    serving_event,
)
from llm_gateway.agent.nodes.model_router import next_alias
from llm_gateway.agent.ports import ChatRequest, StreamGuard, UpstreamAttempt
from llm_gateway.agent.state import AgentState, ErrorRecord, VerdictRecord, step
from llm_gateway.core.exceptions import ClientError, GatewayError


class Node(Protocol):
    async def __call__(
        self, state: AgentState, *, runtime: Runtime[AgentContext]
    ) -> dict[str, Any]: ...


REGENERATE_PROMPT = (
    "Your previous answer was withheld because it contained {what}. Answer the user again "
    "without including credentials, secrets or personal data."
)


def build_request(state: AgentState, ctx: AgentContext) -> tuple[ChatRequest, bool]:
    """The request for ``state['alias']`` and whether it offers tools to the model."""
    messages = [*state.get("messages", ()), *state.get("turns", ())]
    if hint := state.get("regenerate_hint"):
        messages.append({"role": "system", "content": hint})
    request: ChatRequest = {**ctx.options.params, "model": state["alias"], "messages": messages}
    tools = ctx.deps.tools
    info = ctx.deps.catalog.find(state["alias"])
    intent = state.get("intent")
    offer_tools = (
        tools is not None
        and ctx.options.use_tools
        and not (intent is not None and intent.get("withhold_tools", False))
        and ctx.settings.native_tools
        and info is not None
        and info.capabilities.tools
        and state.get("tool_rounds", 0) < ctx.settings.max_tool_rounds
    )
    if offer_tools and tools is not None:
        request["tools"] = tools.openai_tools()
        if forced := state.get("forced_tool"):
            request["tool_choice"] = {"type": "function", "function": {"name": forced}}
    if ctx.options.stream:
        request["stream"] = True
        request["stream_options"] = {"include_usage": True}
    return request, offer_tools


class _StreamResult:
    """What one streamed call produced: text, tool calls, usage, and the guard's findings."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.calls: dict[int, dict[str, Any]] = {}
        self.usage: dict[str, Any] | None = None
        self.finish_reason = "stop"
        self.rules: list[str] = []
        self.categories: list[str] = []
        self.stopped = False
        self.started = False  # the first chunk arrived
        self.serving: ServingEvent | None = None  # announced with the first text sent

    @property
    def sent(self) -> str:
        return "".join(self.parts)

    def emit(self, write: StreamWriter, text: str) -> None:
        if text:
            if self.serving is not None:
                write(self.serving)
                self.serving = None
            self.parts.append(text)
            write(TokenEvent(text))

    def guarded(
        self, write: StreamWriter, guard: StreamGuard | None, text: str, last: bool
    ) -> None:
        if guard is None:
            self.emit(write, text)
            return
        decision = guard.finish() if last else guard.feed(text)
        for finding in decision.findings:
            self.rules.append(finding.rule_id)
            self.categories.append(finding.category)
        self.emit(write, decision.text)
        self.stopped = self.stopped or decision.stop

    def add_tool_delta(self, delta: dict[str, Any]) -> None:
        call = self.calls.setdefault(
            int(delta.get("index", len(self.calls))),
            {"id": "", "type": "function", "function": {"name": "", "arguments": ""}},
        )
        call["id"] = delta.get("id") or call["id"]
        function = delta.get("function") or {}
        call["function"]["name"] += function.get("name") or ""
        call["function"]["arguments"] += function.get("arguments") or ""


async def _stream(
    request: ChatRequest,
    state: AgentState,
    ctx: AgentContext,
    write: StreamWriter,
    tried: list[UpstreamAttempt],
    result: _StreamResult,
) -> None:
    """Read the stream into ``result``, emitting guarded text as it arrives."""
    guard = ctx.output_guard.stream_guard() if ctx.output_guard is not None else None
    chunks = ctx.deps.llm.chat_stream(request, tried, ctx.permits)
    try:
        async for chunk in chunks:
            if not result.started:
                # The router's choice is final once a chunk is here: name the alias that serves
                # before its first token, so headers and chunks carry it, not the failed one.
                result.started = True
                if (event := router_fallback(state, ctx, tried)) is not None:
                    write(event)
                result.serving = serving_event(state, ctx, tried)
            if usage := chunk.get("usage"):
                result.usage = usage
            for choice in chunk.get("choices") or ():
                delta = choice.get("delta") or {}
                if text := delta.get("content"):
                    result.guarded(write, guard, text, last=False)
                for call in delta.get("tool_calls") or ():
                    result.add_tool_delta(call)
                if reason := choice.get("finish_reason"):
                    result.finish_reason = reason
            if result.stopped:
                return
        result.guarded(write, guard, "", last=True)
    finally:
        if (aclose := getattr(chunks, "aclose", None)) is not None:
            await aclose()  # releases the upstream connection when the guard stopped early


def _failure(
    state: AgentState, ctx: AgentContext, exc: GatewayError, partial: str, records: list[Any]
) -> dict[str, Any]:
    alias = state["alias"]
    update: dict[str, Any] = {
        "attempts": records,
        "errors": [f"{alias}: {exc.code}: {exc.message}"],
        "error": ErrorRecord(code=exc.code, message=exc.message, status=exc.status_code),
        "fallback_to": None,
    }
    # The router may have followed the alias's configured fallbacks already: every alias it
    # tried and saw fail counts as failed, so the graph never retries one a second time.
    failed = [alias, *(r["alias"] for r in records if not r["ok"] and r["alias"] != alias)]
    update["failed_aliases"] = list(dict.fromkeys(failed))
    sent = state.get("preamble", "") + partial
    if sent:  # tokens reached the client: the answer is cut, nothing may be retried
        update.update(streamed=True, answer=sent, finish_reason="error")
    else:
        failed = [*state.get("failed_aliases", ()), *update["failed_aliases"]]
        update["fallback_to"] = next_alias(state, failed, ctx)
    return update


def _tool_turn(
    state: AgentState, content: str, calls: list[dict[str, Any]], streaming: bool
) -> dict[str, Any]:
    turn = {"role": "assistant", "content": content or None, "tool_calls": calls}
    update: dict[str, Any] = {"pending_tool_calls": calls, "turns": [turn], "forced_tool": None}
    if streaming and content:  # the client already saw this text: it stays part of the answer
        update.update(streamed=True, preamble=state.get("preamble", "") + content)
    return update


def _answer(
    state: AgentState, ctx: AgentContext, content: str, finish: str, streamed: _StreamResult | None
) -> dict[str, Any]:
    if streamed is None:
        return {"answer": content, "finish_reason": finish, "streamed": False}
    update: dict[str, Any] = {
        "answer": state.get("preamble", "") + content,
        "finish_reason": finish,
        "streamed": True,
    }
    if (guard := ctx.output_guard) is not None:
        found = guard.leak_output if guard.leak_output in ("log", "hash") else "mask"
        action = "block" if streamed.stopped else (found if streamed.rules else "allow")
        update["stream_verdict"] = VerdictRecord(
            stage="output",
            action=action,
            rules=list(dict.fromkeys(streamed.rules)),
            categories=list(dict.fromkeys(streamed.categories)),
        )
    return update


def make_llm_node(name: str) -> Node:
    """The node ``name`` (``small_llm`` or ``large_llm``); both call ``state['alias']``."""

    async def call_model(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
        ctx = runtime.context
        started = time.perf_counter()
        request, offered_tools = build_request(state, ctx)
        tried: list[UpstreamAttempt] = []
        streamed: _StreamResult | None = None
        try:
            if ctx.options.stream:
                streamed = _StreamResult()
                await _stream(request, state, ctx, runtime.stream_writer, tried, streamed)
                content, calls = streamed.sent, list(streamed.calls.values())
                usage, finish = streamed.usage, streamed.finish_reason
            else:
                response = await ctx.deps.llm.chat(request, tried, ctx.permits)
                choice = (response.get("choices") or [{}])[0]
                message = choice.get("message") or {}
                content, calls = message.get("content") or "", message.get("tool_calls") or []
                usage, finish = response.get("usage"), choice.get("finish_reason") or "stop"
        except ClientError:
            raise  # the caller's request is wrong for this model: no fallback can fix it
        except GatewayError as exc:
            ms = (time.perf_counter() - started) * 1000
            records = attempt_records(tried, state, ctx, exc, ms)
            partial = streamed.sent if streamed is not None else ""
            return {**_failure(state, ctx, exc, partial, records), "steps": [step(name, ms)]}
        ms = (time.perf_counter() - started) * 1000
        records = attempt_records(tried, state, ctx, None, ms)
        update: dict[str, Any] = {"attempts": records, "error": None}
        served = served_attempt(records)
        alias = state["alias"]
        if served is not None:
            update["served_by"] = served["deployment"]
            if served["alias"] != alias:  # the router followed the alias's configured fallback
                alias = served["alias"]
                update.update(alias=alias, tier=served["tier"])
                if streamed is None and (event := router_fallback(state, ctx, tried)):
                    runtime.stream_writer(event)  # a stream announced it at its first chunk
        update["steps"] = [step(name, ms, alias, usage)]
        if calls and offered_tools:
            return {**update, **_tool_turn(state, content, calls, streamed is not None)}
        return {**update, **_answer(state, ctx, content, finish, streamed)}

    call_model.__name__ = name
    return call_model
