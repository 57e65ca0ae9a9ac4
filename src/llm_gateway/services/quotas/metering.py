"""Metering any LLM call (proxy, agent run, /chat): reserve before it, measure and settle after.

The reservation uses a deliberately cheap prompt estimate (characters / 3 plus message overhead,
no tokenizer on the request path) because settlement corrects it with the upstream's real usage.
When an upstream reports no usage, the prompt is counted with the tokenizer and the completion
from its text when the caller kept it; without the text the whole output reservation is charged,
so a stream that never reports usage cannot slip past token limits or budgets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from llm_gateway.services import tokens
from llm_gateway.services.auth.principal import Principal
from llm_gateway.services.quotas.service import Admission
from llm_gateway.state import AppState

CHARS_PER_TOKEN_ESTIMATE = 3  # over-reserves English a little; settlement refunds the difference
IMAGE_PART_CHARS = 765 * CHARS_PER_TOKEN_ESTIMATE


def _content_chars(content: Any) -> int:
    if isinstance(content, str):
        return len(content)
    if isinstance(content, list):
        total = 0
        for part in content:
            if isinstance(part, Mapping):
                text = part.get("text")
                total += len(text) if isinstance(text, str) else IMAGE_PART_CHARS
            elif isinstance(part, str):
                total += len(part)
            elif isinstance(part, int):  # an embeddings input given as token ids
                total += CHARS_PER_TOKEN_ESTIMATE
        return total
    return 0


def estimate_prompt_tokens(request: Mapping[str, Any]) -> int:
    """A fast upper-ish estimate of a canonical chat or embeddings request's input tokens."""
    if "messages" not in request:
        return _content_chars(request.get("input")) // CHARS_PER_TOKEN_ESTIMATE + 1
    chars = 0
    messages = request.get("messages") or ()
    for message in messages:
        chars += _content_chars(message.get("content"))
        for call in message.get("tool_calls") or ():
            chars += len(str((call.get("function") or {}).get("arguments", "")))
    for tool in request.get("tools") or ():
        chars += len(str(tool))
    return (
        chars // CHARS_PER_TOKEN_ESTIMATE
        + tokens.TOKENS_PER_MESSAGE * len(messages)
        + tokens.REPLY_PRIMING_TOKENS
    )


def requested_output_tokens(request: Mapping[str, Any]) -> int | None:
    """``max_completion_tokens`` or ``max_tokens``; 0 for embeddings; None when unset."""
    if "messages" not in request:
        return 0
    for name in ("max_completion_tokens", "max_tokens"):
        value = request.get(name)
        if isinstance(value, int) and value >= 0:
            return value
    return None


async def reserve(
    state: AppState,
    principal: Principal,
    *,
    alias: str,
    request: Mapping[str, Any],
    request_id: str | None,
) -> Admission:
    """Check the model is allowed, then reserve estimated tokens and cost (or raise 429)."""
    info = state.models.find(alias)
    state.quotas.check_model(principal, alias, None if info is None else info.tier)
    prompt = estimate_prompt_tokens(request)
    output = requested_output_tokens(request)
    if output is None:
        output = state.settings.quotas.default_output_tokens
        if info is not None:
            output = min(output, info.max_output_tokens)
    cost = 0.0 if info is None else state.models.cost(alias, prompt, output)
    admission = await state.quotas.admit(
        principal,
        prompt_tokens=prompt,
        max_output_tokens=output,
        estimated_cost_usd=cost,
        request_id=request_id or "",
    )
    if (
        isinstance(request, dict)
        and "messages" in request
        and requested_output_tokens(request) is None
        and admission.enforced
        and any(s.limits.monthly_budget_usd is not None for s in admission.subjects)
    ):
        # A budget applies and the caller set no limit: the upstream may write no more than was
        # reserved, so concurrent calls overrun the budget by at most one reservation.
        request["max_tokens"] = output
    return admission


@dataclass(frozen=True, slots=True)
class Measured:
    """What a call actually used, and whether the gateway had to count it itself."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    cost_usd: float = 0.0
    estimated: bool = False
    cache_write_tokens: int = 0  # priced at the alias's cache_write rate (in cost_usd)


def measure(
    state: AppState,
    *,
    alias: str | None,
    usage: Mapping[str, Any] | None,
    served: bool,
    request: Mapping[str, Any] | None = None,
    completion_text: str | None = None,
    admission: Admission | None = None,
    model: str | None = None,
) -> Measured:
    """Usage from the upstream's report, or counted when a served call reported none."""
    estimated, written = False, 0
    if usage:
        prompt = int(usage.get("prompt_tokens") or 0)
        completion = int(usage.get("completion_tokens") or 0)
        details = usage.get("prompt_tokens_details") or {}
        cached = int(details.get("cached_tokens") or 0)
        written = int(details.get("cache_write_tokens") or 0)
    elif served:
        estimated, cached = True, 0
        prompt = _count_prompt(request, model)
        if completion_text is not None:
            completion = tokens.count_tokens(completion_text, model)
        elif admission is not None:
            completion = max(admission.estimated_tokens - estimate_prompt_tokens(request or {}), 0)
        else:
            completion = 0
    else:
        return Measured()
    cost = 0.0
    if alias is not None and alias in state.models:
        cost = state.models.cost(alias, prompt, completion, cached, written)
    return Measured(prompt, completion, cached, cost, estimated, written)


def measure_cache_hit(
    state: AppState, *, alias: str | None, usage: Mapping[str, Any] | None
) -> tuple[Measured, Measured]:
    """(for the usage record, for settlement) of an answer served from the response cache.

    The record keeps the cached answer's tokens (all prompt tokens count as cached) and the hit's
    price: the alias's ``cache.hit_price_fraction`` of the full price, zero by default. Settlement
    charges that same cost to the budget once, and the tokens only if the alias says hits count
    toward token limits; the request itself was already counted at admission (rate limits).
    """
    info = None if alias is None else state.models.find(alias)
    if info is None or not usage:
        return Measured(), Measured()
    prompt = int(usage.get("prompt_tokens") or 0)
    completion = int(usage.get("completion_tokens") or 0)
    fraction = info.cache.hit_price_fraction
    cost = state.models.cost(info.alias, prompt, completion) * fraction if fraction else 0.0
    record = Measured(prompt, completion, prompt, cost, False)
    if info.cache.hits_count_tokens:
        return record, record
    return record, Measured(0, 0, 0, cost, False)


def _count_prompt(request: Mapping[str, Any] | None, model: str | None) -> int:
    if not request:
        return 0
    if "messages" in request:
        return tokens.count_message_tokens(request["messages"], model, request.get("tools"))
    value = request.get("input")
    texts = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return sum(tokens.count_tokens(t, model) if isinstance(t, str) else 1 for t in texts)


async def settle(state: AppState, admission: Admission | None, measured: Measured) -> None:
    """Reconcile a reservation with what was used (no-op without one)."""
    if admission is not None:
        await state.quotas.settle(
            admission,
            prompt_tokens=measured.prompt_tokens,
            completion_tokens=measured.completion_tokens,
            cost_usd=measured.cost_usd,
        )
