"""Turn each recorded usage event into Prometheus observations (calls, tokens, cost, latency)."""

from __future__ import annotations

from collections.abc import Callable

from llm_gateway.core.metrics import OTHER, GatewayMetrics
from llm_gateway.providers.registry import ModelRegistry
from llm_gateway.services.routing.router import RouteObserver
from llm_gateway.services.routing.trace import RouteTrace
from llm_gateway.services.usage.record import UsageEvent


def usage_observer(metrics: GatewayMetrics, models: ModelRegistry) -> Callable[[UsageEvent], None]:
    """A callback for ``UsageWriter`` that observes every event it accepts."""
    tiers = {info.alias: info.tier for info in models.models()}

    def observe(event: UsageEvent) -> None:
        metrics.observe_call(
            endpoint=event.endpoint,
            alias=event.alias,
            tier=tiers.get(event.alias),
            provider=event.provider,
            deployment=event.deployment,
            status=event.status_code,
            prompt_tokens=event.prompt_tokens,
            completion_tokens=event.completion_tokens,
            cached_tokens=event.cached_tokens,
            cost_usd=event.cost_usd,
            latency_s=event.latency_ms / 1000,
            ttft_s=None if event.ttft_ms is None else event.ttft_ms / 1000,
        )
        if event.error_code == "deployment_capacity":  # the router's 429: every deployment full
            metrics.observe_rejection("deployment_capacity")

    return observe


def route_observer(metrics: GatewayMetrics, models: ModelRegistry) -> RouteObserver:
    """A ``Router.observer``: upstream attempts by outcome, retries and fallbacks."""
    providers = {d.id: d.provider for info in models.models() for d in info.deployments}

    def observe(asked: str, trace: RouteTrace, first: int) -> None:
        attempts = trace.attempts[first:]
        for attempt in attempts:
            provider = providers.get(attempt.deployment, OTHER)
            metrics.observe_attempt(provider, attempt.deployment, attempt.outcome)
        metrics.observe_route(asked, trace.alias, len(attempts))

    return observe
