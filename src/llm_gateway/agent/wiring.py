"""Connecting the graph to the gateway: the router as an ``LLMClient``, and the runner factory.

``create_agent`` runs once per process, through ``AppState.agent`` (an ``agent.lazy.LazyAgent``):
at startup with ``LLMGW_AGENT__PRELOAD``, else on the first ``auto`` or /chat request. The graph,
LangGraph and the intent stack are imported inside it, so importing this module costs nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

from llm_gateway.agent.context import AgentDeps, GuardObserver, ModelGate
from llm_gateway.agent.ports import (
    ChatChunk,
    ChatRequest,
    ChatResponse,
    Guardrails,
    Permits,
    UpstreamAttempt,
)
from llm_gateway.core.config import Settings
from llm_gateway.guardrails.engine import GuardrailEngine
from llm_gateway.providers.registry import ModelRegistry
from llm_gateway.services.auth.principal import Principal
from llm_gateway.services.routing import Router, RouteTrace
from llm_gateway.tools.base import ToolRegistry

if TYPE_CHECKING:
    from llm_gateway.agent.runner import AgentRunner
    from llm_gateway.core.embedding import SharedEmbedder


def _attempts(trace: RouteTrace) -> list[UpstreamAttempt]:
    return [
        UpstreamAttempt(
            alias=a.alias,
            deployment=a.deployment,
            ok=a.outcome == "ok",
            error_code=a.error_code or (None if a.outcome == "ok" else a.outcome),
            ms=a.latency_ms,
        )
        for a in trace.attempts
    ]


class RouterLLMClient:
    """``LLMClient`` over the gateway's router: its retries, cooldowns and configured fallbacks
    apply to every agent call, and every upstream try is reported back to the graph."""

    def __init__(self, router: Router) -> None:
        self._router = router

    async def chat(
        self,
        request: ChatRequest,
        attempts: list[UpstreamAttempt] | None = None,
        permits: Permits | None = None,
    ) -> ChatResponse:
        trace = RouteTrace(permits=permits)
        try:
            return await self._router.chat(request, trace)
        finally:
            if attempts is not None:
                attempts.extend(_attempts(trace))

    async def chat_stream(
        self,
        request: ChatRequest,
        attempts: list[UpstreamAttempt] | None = None,
        permits: Permits | None = None,
    ) -> AsyncIterator[ChatChunk]:
        trace = RouteTrace(permits=permits)
        try:
            stream = await self._router.chat_stream(request, trace)  # retries end here
        finally:
            if attempts is not None:
                attempts.extend(_attempts(trace))
        async with stream:
            async for chunk in stream:
                yield chunk


def create_agent(
    settings: Settings,
    *,
    router: Router,
    models: ModelRegistry,
    tools: ToolRegistry | None,
    guardrails: GuardrailEngine | None = None,
    model_gate: ModelGate | None = None,
    guard_for: Callable[[Principal], Guardrails] | None = None,
    guard_observer: GuardObserver | None = None,
    embedder: SharedEmbedder | None = None,
) -> AgentRunner:
    """The runner with its graph compiled once (through ``LazyAgent``, never per request).

    ``guardrails`` defaults to an engine built from ``settings.agent.guardrails``; ``model_gate``
    is the quota layer's per-caller model check (``QuotaService.check_model``). The intent
    analyzer gets no guardrail engine: the graph runs the input check itself, before it.
    ``embedder`` is the process's shared e5 model (the intent's second opinion).
    """
    # Here, not at module level: LangGraph and the intent stack load with the first agent run.
    from llm_gateway.agent.graph import build_graph
    from llm_gateway.agent.intent.analyzer import IntentAnalyzer
    from llm_gateway.agent.runner import AgentRunner

    agent = settings.agent
    if guardrails is not None:
        guardrails.preload()  # the classifier, before the first run's input check needs it
    intent = IntentAnalyzer(
        tools.names() if tools is not None else (),
        small_alias=agent.small_model or models.default_small,
        embedder=embedder,
    )
    deps = AgentDeps(
        llm=RouterLLMClient(router),
        catalog=models,
        intent=intent,
        settings=agent,
        guardrails=guardrails if guardrails is not None else GuardrailEngine(agent.guardrails),
        tools=tools,
        model_gate=model_gate,
        guard_for=guard_for,
        guard_observer=guard_observer,
    )
    return AgentRunner(deps, build_graph())
