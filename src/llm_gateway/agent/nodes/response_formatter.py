"""The response formatter: the final answer as an OpenAI ``chat.completion`` plus gateway metadata.

The metadata (intent, model, tools, guardrail actions, attempts, per-step timings) rides in an
extra top-level ``gateway`` field that OpenAI clients ignore; the HTTP layer copies its summary
into ``x-gateway-*`` headers.
"""

from __future__ import annotations

import time
from typing import Any

from langgraph.runtime import Runtime

from llm_gateway.agent.completion import completion_object
from llm_gateway.agent.context import AgentContext
from llm_gateway.agent.events import TokenEvent, Usage
from llm_gateway.agent.state import AgentState, step
from llm_gateway.core.exceptions import GatewayError


def total_usage(state: AgentState, ctx: AgentContext) -> Usage:
    """Tokens and cost of every model call in the run (intent, tool arguments, answers)."""
    prompt = completion = cached = written = 0
    cost = 0.0
    for record in state.get("steps") or ():
        prompt += record["prompt_tokens"]
        completion += record["completion_tokens"]
        cached += record["cached_tokens"]
        written += record["cache_write_tokens"]
        alias = record["alias"]
        if alias and (record["prompt_tokens"] or record["completion_tokens"]):
            try:
                cost += ctx.deps.catalog.cost(
                    alias,
                    record["prompt_tokens"],
                    record["completion_tokens"],
                    record["cached_tokens"],
                    record["cache_write_tokens"],
                )
            except GatewayError:
                pass  # an alias that vanished from the registry: tokens still count, cost 0
    return Usage(
        prompt_tokens=prompt,
        completion_tokens=completion,
        cached_tokens=cached,
        cost_usd=cost,
        cache_write_tokens=written,
    )


def gateway_metadata(state: AgentState) -> dict[str, Any]:
    """What the gateway decided and did during the run, for the ``gateway`` response field."""
    return {
        "intent": state.get("intent"),
        "model": state.get("alias"),
        "tier": state.get("tier"),
        "route_reason": state.get("route_reason"),
        "deployment": state.get("served_by"),
        "tools": [
            {k: call[k] for k in ("id", "name", "source", "ok", "error_code", "ms")}
            for call in state.get("tool_calls") or ()
        ],
        "guardrails": state.get("verdicts") or [],
        "regenerations": state.get("regenerations", 0),
        "attempts": state.get("attempts") or [],
        "steps": [{"node": s["node"], "ms": s["ms"]} for s in state.get("steps") or ()],
    }


def build_response(
    state: AgentState, ctx: AgentContext, content: str, finish_reason: str
) -> dict[str, Any]:
    """The final ``chat.completion`` for a run in ``state``."""
    model = state.get("alias") or ctx.requested_model
    usage = total_usage(state, ctx)
    return completion_object(content, finish_reason, model, usage, gateway_metadata(state))


async def response_formatter(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """Shape the answer; a buffered answer's text is emitted now, in one token event."""
    started = time.perf_counter()
    answer = state.get("answer", "")
    if not state.get("streamed") and answer:
        runtime.stream_writer(TokenEvent(answer))
    done = [step("response_formatter", (time.perf_counter() - started) * 1000)]
    final: AgentState = {**state, "steps": [*state.get("steps", ()), *done]}
    response = build_response(final, runtime.context, answer, state.get("finish_reason", "stop"))
    return {"response": response, "outcome": "answer", "steps": done}
