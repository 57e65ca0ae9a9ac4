"""The proxy's two hook points, filled: reserve before the upstream, settle and record after.

``services/proxy/hooks.py`` calls these. ``before_proxy_call`` adds the ``x-ratelimit-*`` headers
to the response (the 429 it may raise carries its own); ``after_proxy_call`` runs once on every
outcome, after the response went out, and never touches the database (the writer does).
"""

from __future__ import annotations

from typing import Any

from llm_gateway.core import tracing
from llm_gateway.services import tokens
from llm_gateway.services.proxy.context import CallContext
from llm_gateway.services.quotas import metering
from llm_gateway.services.quotas.service import Admission
from llm_gateway.services.usage.record import UsageEvent
from llm_gateway.state import AppState

QUOTA_EXTRA = "quota"
REQUEST_EXTRA = "metered_request"
ENDPOINT_PATHS = {
    "chat": "/v1/chat/completions",
    "messages": "/v1/messages",
    "embeddings": "/v1/embeddings",
    "responses": "/v1/responses",
}


async def before_proxy_call(state: AppState, ctx: CallContext, request: dict[str, Any]) -> None:
    """Reserve quota for ``request``; raises RateLimitError (429) or 403 for a disallowed model."""
    ctx.extras[REQUEST_EXTRA] = request
    if ctx.principal is None or ctx.requested_model is None:
        return
    with tracing.span("gateway.quota_admission", {"llmgw.alias": ctx.requested_model}):
        admission = await metering.reserve(
            state,
            ctx.principal,
            alias=ctx.requested_model,
            request=request,
            request_id=ctx.request_id,
        )
    ctx.extras[QUOTA_EXTRA] = admission
    ctx.response_headers.update(admission.headers)
    principal = ctx.principal
    ctx.permits = lambda alias, tier: state.quotas.allows(principal, alias, tier)


async def after_proxy_call(state: AppState, ctx: CallContext) -> None:
    """Settle the reservation (releasing the slot) and enqueue the usage record."""
    principal = ctx.principal
    if principal is None:
        return  # unauthenticated: nothing to bill, and not worth a row
    admission: Admission | None = ctx.extras.get(QUOTA_EXTRA)
    alias = ctx.alias or ctx.requested_model
    if ctx.extras.get("cache_hit"):
        measured, settled = metering.measure_cache_hit(state, alias=alias, usage=ctx.usage)
    else:
        if not ctx.usage and ctx.deployment is not None:
            await tokens.ensure_built([ctx.upstream_model])  # counted below, tokenizer needed
        measured = settled = metering.measure(
            state,
            alias=alias,
            usage=ctx.usage,
            served=ctx.deployment is not None,
            request=ctx.extras.get(REQUEST_EXTRA),
            completion_text=ctx.streamed_text(),
            admission=admission,
            model=ctx.upstream_model,
        )
    tracing.set_attributes(
        {
            "gen_ai.request.model": alias,
            "gen_ai.response.model": ctx.upstream_model,
            "gen_ai.provider.name": ctx.provider,
            "gen_ai.usage.input_tokens": measured.prompt_tokens,
            "gen_ai.usage.output_tokens": measured.completion_tokens,
            "llmgw.deployment": ctx.deployment,
            "llmgw.cost_usd": measured.cost_usd,
        }
    )
    try:
        await metering.settle(state, admission, settled)
    finally:
        state.usage.record(
            UsageEvent(
                request_id=ctx.request_id or "",
                source="agent" if ctx.requested_model == "auto" else "proxy",
                endpoint=ENDPOINT_PATHS.get(ctx.endpoint, ctx.endpoint),
                alias=alias or "unknown",
                user_id=principal.user_id,
                api_key_id=principal.api_key_id,
                deployment=ctx.deployment,
                provider=ctx.provider,
                intent=ctx.extras.get("intent"),
                prompt_tokens=measured.prompt_tokens,
                completion_tokens=measured.completion_tokens,
                cached_tokens=measured.cached_tokens,
                cache_write_tokens=measured.cache_write_tokens,
                tokens_estimated=measured.estimated,
                cost_usd=measured.cost_usd,
                latency_ms=ctx.duration_ms or 0.0,
                ttft_ms=ctx.time_to_first_byte_ms if ctx.stream else None,
                status_code=ctx.status_code,
                error_code=ctx.error_code,
                cache_hit=bool(ctx.extras.get("cache_hit", False)),
                stream=ctx.stream,
            )
        )
