"""Assemble ``ChatDeps`` from the application state (cheap: called once per /chat request)."""

from __future__ import annotations

from typing import Any

from llm_gateway.services.auth.principal import Principal
from llm_gateway.services.chat.caching import CachingChatAgent
from llm_gateway.services.chat.deps import ChatAgent, ChatDeps, Redact, RedactorFor
from llm_gateway.services.chat.small_model import SmallModel
from llm_gateway.services.routing.trace import RouteTrace
from llm_gateway.state import AppState


def small_model(state: AppState) -> SmallModel | None:
    """The small model titles and summaries use: ``LLMGW_CHAT__SMALL_MODEL`` or the default."""
    alias = state.settings.chat.small_model or state.models.default_small
    if not alias or alias not in state.models:
        return None
    router = state.router

    async def call(request: dict[str, Any]) -> dict[str, Any]:
        return await router.chat(request, RouteTrace())

    return SmallModel(call, alias)


def input_redactor(state: AppState) -> RedactorFor:
    """The caller's ``pii_input`` redaction, resolved as the agent path resolves its guard.

    The policy is the tier's with the user's and key's overrides; with the agent path's input
    checks off, or under ``pii_input`` ``off``/``log``/``block``, nothing is redacted (None).
    """
    engine, policies = state.guardrails, state.guard_policies

    def for_caller(principal: Principal) -> Redact | None:
        if not engine.input_enabled("agent"):
            return None
        guard = engine.for_policy(policies.resolve(principal))
        return guard.redact_prompt if guard.pii_input in ("mask", "hash") else None

    return for_caller


def chat_agent(state: AppState) -> ChatAgent:
    return CachingChatAgent(state.agent, state)


def build_chat_deps(state: AppState, agent: ChatAgent | None = None) -> ChatDeps:
    """Everything a turn needs; ``agent`` replaces the app's runner (tests inject doubles)."""
    return ChatDeps(
        settings=state.settings.chat,
        session_factory=state.session_factory,
        registry=state.models,
        agent=agent if agent is not None else chat_agent(state),
        quota=state.quotas,
        jobs=state.chat_jobs,
        small_model=small_model(state),
        record_usage=state.usage.record,
        redactor_for=input_redactor(state),
    )
