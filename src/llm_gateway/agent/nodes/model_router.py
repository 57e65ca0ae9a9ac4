"""Model choice: small or large alias from complexity, the caller's tier, an explicit alias,
the conversation's length, and fallback after a failed call.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from langgraph.runtime import Runtime

from llm_gateway.agent.context import AUTO_MODEL, AgentContext, AgentDeps
from llm_gateway.agent.conversation import estimate_tokens
from llm_gateway.agent.events import ModelEvent
from llm_gateway.agent.ports import ModelInfo
from llm_gateway.agent.state import AgentState, step
from llm_gateway.core.exceptions import (
    GatewayError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
)

SMALL_LLM: Final = "small_llm"
LARGE_LLM: Final = "large_llm"


@dataclass(frozen=True, slots=True)
class Choice:
    alias: str
    tier: str
    reason: str
    supports_tools: bool


def _lookup(ctx: AgentContext, alias: str) -> ModelInfo:
    info = ctx.deps.catalog.find(alias)
    if info is None:
        raise NotFoundError(
            f"The model '{alias}' does not exist or is not enabled",
            code="model_not_found",
            param="model",
        )
    return info


def tier_aliases(deps: AgentDeps) -> tuple[str, str]:
    """The (small, large) aliases: configured ones, else the registry's per-tier defaults."""
    catalog = deps.catalog
    settings = deps.settings
    return (
        settings.small_model or catalog.default_small,
        settings.large_model or catalog.default_large,
    )


def may_use_large(ctx: AgentContext) -> bool:
    """Whether this run may reach a large-tier alias (agent settings and the caller's quota)."""
    if not (ctx.options.large_models and ctx.principal.tier in ctx.settings.large_model_tiers):
        return False
    gate = ctx.deps.model_gate
    if gate is None:
        return True
    _, large = tier_aliases(ctx.deps)
    info = ctx.deps.catalog.find(large)
    try:
        gate(ctx.principal, large, None if info is None else info.tier)
    except PermissionDeniedError:
        return False  # route to the small model rather than refuse a model never asked for
    return True


def fallback_alias(alias: str | None, failed: Sequence[str], ctx: AgentContext) -> str | None:
    """The other tier's alias after ``alias`` failed, or None when there is none left to try.

    Explicitly requested aliases are not swapped (the router already followed their configured
    fallbacks), and a caller whose tier excludes large models is not failed over to one.
    """
    if ctx.requested_model != AUTO_MODEL or not ctx.settings.fallback_other_tier:
        return None
    small, large = tier_aliases(ctx.deps)
    other = large if alias == small else small
    if other in failed or (other == large and not may_use_large(ctx)):
        return None
    if ctx.deps.catalog.find(other) is None:
        return None
    return other


def _fits(info: ModelInfo, needed: int) -> bool:
    return info.context_window <= 0 or needed <= info.context_window


def choose_model(state: AgentState, ctx: AgentContext) -> Choice:
    """Decide the alias for the next model call.

    Raises:
        NotFoundError: The requested alias is unknown.
        InvalidRequestError: The conversation fits no alias this caller may use.
    """
    needed = estimate_tokens(state.get("messages") or ()) + ctx.settings.context_reserve_tokens
    needed += estimate_tokens(state.get("turns") or ())
    if ctx.requested_model != AUTO_MODEL:
        info = _lookup(ctx, ctx.requested_model)
        return Choice(info.alias, info.tier, "requested by the caller", info.capabilities.tools)

    small, large = tier_aliases(ctx.deps)
    intent = state.get("intent")
    complexity = intent["complexity"] if intent else "simple"
    large_ok = may_use_large(ctx)
    if complexity == "complex" and large_ok:
        alias, reason = large, "complex request"
    elif complexity == "complex":
        alias, reason = small, f"complex request, tier '{ctx.principal.tier}' uses small models"
    else:
        alias, reason = small, "simple request"
    failed = state.get("failed_aliases") or ()
    if alias in failed:
        other = fallback_alias(alias, failed, ctx)
        if other is not None:
            alias, reason = other, f"fallback after {alias} failed"
    info = _lookup(ctx, alias)
    if not _fits(info, needed):
        # Never "upgrade" to an alias that already failed in this run: that would send the run
        # back to it on every fallback until the recursion limit.
        upgrade = alias == small and large_ok and large not in failed
        bigger = _lookup(ctx, large) if upgrade else None
        if bigger is None or not _fits(bigger, needed):
            raise InvalidRequestError(
                f"The conversation needs about {needed} tokens, more than the "
                f"{info.context_window}-token context window of '{alias}'",
                code="context_length_exceeded",
                param="messages",
            )
        info, reason = bigger, f"conversation too long for {alias}"
    return Choice(info.alias, info.tier, reason, info.capabilities.tools)


def next_alias(state: AgentState, failed: Sequence[str], ctx: AgentContext) -> str | None:
    """The alias a new model call would use once ``failed`` have failed, or None if none is left.

    This is ``choose_model``'s own decision (tier, context length, fallback rules), so the graph
    only goes back to ``model_router`` when that leads somewhere new.
    """
    try:
        choice = choose_model({**state, "failed_aliases": list(failed)}, ctx)
    except GatewayError:
        return None  # e.g. only the failed alias can hold the conversation
    return None if choice.alias in failed else choice.alias


async def model_router(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """Pick the alias; announce it when it changes (first choice, fallback, longer context)."""
    started = time.perf_counter()
    choice = choose_model(state, runtime.context)
    if choice.alias != state.get("alias"):
        runtime.stream_writer(
            ModelEvent(alias=choice.alias, tier=choice.tier, reason=choice.reason)
        )
    return {
        "alias": choice.alias,
        "tier": choice.tier,
        "route_reason": choice.reason,
        "steps": [step("model_router", (time.perf_counter() - started) * 1000)],
    }


async def route_by_tier(state: AgentState) -> Literal["small_llm", "large_llm"]:
    """Conditional edge: the large-model node for large-tier aliases, the small one otherwise."""
    return LARGE_LLM if state.get("tier") == "large" else SMALL_LLM
