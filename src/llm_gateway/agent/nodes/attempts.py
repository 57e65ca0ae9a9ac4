"""Upstream attempt records: every try behind a model call, as the state and metadata show it.

The router reports its tries (``UpstreamAttempt``) through ``LLMClient``; these helpers turn them
into ``AttemptRecord``s with the alias's tier and the error, find the deployment that served a
call, and notice when the router answered from another alias than the one the graph chose.
"""

from __future__ import annotations

from llm_gateway.agent.context import AgentContext
from llm_gateway.agent.events import ModelEvent, ServingEvent
from llm_gateway.agent.ports import UpstreamAttempt
from llm_gateway.agent.state import AgentState, AttemptRecord
from llm_gateway.core.exceptions import GatewayError


def _record(
    t: UpstreamAttempt, ctx: AgentContext, tier: str, error: GatewayError | None
) -> AttemptRecord:
    info = ctx.deps.catalog.find(t["alias"])
    failed = not t["ok"] and error is not None
    return AttemptRecord(
        alias=t["alias"],
        tier=info.tier if info is not None else tier,
        deployment=t["deployment"],
        ok=t["ok"],
        error_code=t["error_code"] or (error.code if failed and error else None),
        error=error.message if failed and error else None,
        ms=round(t["ms"], 3),
    )


def attempt_records(
    tried: list[UpstreamAttempt],
    state: AgentState,
    ctx: AgentContext,
    error: GatewayError | None,
    ms: float,
) -> list[AttemptRecord]:
    """Records of one model call to ``state['alias']`` (took ``ms``, raised ``error``)."""
    if not tried:  # a client that does not report its tries: one attempt, as seen from here
        tried = [
            UpstreamAttempt(
                alias=state["alias"], deployment=None, ok=error is None, error_code=None, ms=ms
            )
        ]
    return [_record(t, ctx, state["tier"], error) for t in tried]


def side_attempts(tried: list[UpstreamAttempt], ctx: AgentContext) -> list[AttemptRecord]:
    """Records of the tries behind a call the pipeline makes for itself (intent, tool
    arguments), so every upstream request of a run shows in ``attempts``, not only the answer's."""
    return [_record(t, ctx, "", None) for t in tried]


def served_attempt(records: list[AttemptRecord]) -> AttemptRecord | None:
    """The last successful try (the one whose answer the run got), if any."""
    return next((r for r in reversed(records) if r["ok"]), None)


def router_fallback(
    state: AgentState, ctx: AgentContext, tried: list[UpstreamAttempt]
) -> ModelEvent | None:
    """The announcement due when the router served the call from another alias (its configured
    fallbacks) than the one the graph routed to; None when the routed alias served it."""
    served = next((t["alias"] for t in reversed(tried) if t["ok"]), None)
    routed = state["alias"]
    if served is None or served == routed:
        return None
    info = ctx.deps.catalog.find(served)
    tier = info.tier if info is not None else state["tier"]
    return ModelEvent(alias=served, tier=tier, reason=f"router fallback after {routed} failed")


def serving_event(
    state: AgentState, ctx: AgentContext, tried: list[UpstreamAttempt]
) -> ServingEvent:
    """What a streamed call's first chunk tells the transport: the deployment that serves it and
    the run's tries so far (earlier nodes' and this call's), as the final metadata will list."""
    records = attempt_records(tried, state, ctx, None, 0.0)
    served = served_attempt(records)
    return ServingEvent(
        alias=served["alias"] if served is not None else state["alias"],
        deployment=served["deployment"] if served is not None else None,
        attempts=tuple(dict(r) for r in (*state.get("attempts", ()), *records)),
    )
