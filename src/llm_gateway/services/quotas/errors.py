"""Errors the quota layer raises, rendered by the shared handler in OpenAI or Anthropic format."""

from __future__ import annotations

from datetime import UTC, datetime

from llm_gateway.core.exceptions import (
    ClientError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    ServiceUnavailableError,
)
from llm_gateway.services.quotas import scripts
from llm_gateway.services.quotas.headers import rate_headers
from llm_gateway.services.quotas.limits import Subject

DENY_NAMES = {
    scripts.DENY_REQUESTS: "requests",
    scripts.DENY_TOKENS: "tokens",
    scripts.DENY_TOKENS_TOO_LARGE: "request_too_large",
    scripts.DENY_TOKENS_PER_DAY: "tokens_per_day",
    scripts.DENY_BUDGET: "budget",
    scripts.DENY_CONCURRENCY: "concurrency",
}
_SUBJECT_LABEL = {"user": "user", "key": "API key", "master": "master key"}


class InsufficientQuotaError(RateLimitError):
    """The monthly budget is spent: OpenAI's ``insufficient_quota`` 429."""

    error_type = "insufficient_quota"
    code = "insufficient_quota"


class ModelNotAllowedError(PermissionDeniedError):
    """The caller's tier (or override) does not include this model."""

    code = "model_not_allowed"


class ExceedsLimitError(PayloadTooLargeError):
    """A request that needs more than a per-minute limit can ever grant: waiting cannot help.

    413 with ``x-should-retry: false``: the openai and anthropic SDKs (and Claude Code, built on
    the latter) retry 429s but neither 413 nor anything marked ``x-should-retry: false``.
    """

    code = "request_exceeds_limit"

    def __init__(self, message: str, *, headers: dict[str, str]) -> None:
        super().__init__(message, headers={**headers, "x-should-retry": "false"})


class QuotaUnavailableError(ServiceUnavailableError):
    """The store is down and the failure policy for this caller's limits is "closed"."""

    code = "quota_unavailable"


def _next_month_start(now: datetime) -> datetime:
    year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
    return datetime(year, month, 1, tzinfo=UTC)


def denial(reason: int, subject: Subject, retry_ms: int, estimate: int) -> ClientError:
    """The 429 (or the never-fits 413) for a refusal from the ADMIT script, naming the limit."""
    lim = subject.limits
    who = _SUBJECT_LABEL.get(subject.name.split(":", 1)[0], subject.name)
    retry_s = retry_ms / 1000 if retry_ms >= 0 else None
    headers: dict[str, str] = {}
    if reason == scripts.DENY_BUDGET:
        now = datetime.now(UTC)
        resets = _next_month_start(now)
        return InsufficientQuotaError(
            f"You exceeded your monthly budget of ${lim.monthly_budget_usd:.2f} ({who}); "
            f"it resets on {resets.date().isoformat()}",
            retry_after_s=(resets - now).total_seconds(),
        )
    if reason == scripts.DENY_TOKENS_TOO_LARGE:
        return ExceedsLimitError(
            f"Request too large for the tokens per minute limit ({who}): limit "
            f"{lim.tokens_per_minute}, requested ~{estimate} (prompt + max_tokens), so it can "
            "never be admitted; lower max_tokens (Claude Code: CLAUDE_CODE_MAX_OUTPUT_TOKENS) or "
            "the prompt, or ask an administrator for a tier with a higher tokens_per_minute",
            headers=rate_headers(None, (lim.tokens_per_minute or 0, 0, 0)),
        )
    if reason == scripts.DENY_REQUESTS:
        headers = rate_headers((lim.requests_per_minute or 0, 0, retry_ms), None)
        message = (
            f"Rate limit reached for requests per minute ({who}): limit {lim.requests_per_minute}"
        )
    elif reason == scripts.DENY_TOKENS:
        headers = rate_headers(None, (lim.tokens_per_minute or 0, 0, retry_ms))
        message = (
            f"Rate limit reached for tokens per minute ({who}): limit "
            f"{lim.tokens_per_minute}, requested ~{estimate} (prompt + max output tokens)"
        )
    elif reason == scripts.DENY_TOKENS_PER_DAY:
        message = f"Daily token quota reached ({who}): limit {lim.tokens_per_day} tokens per day"
    else:
        message = f"Too many concurrent requests ({who}): limit {lim.max_concurrent}"
    if retry_s is not None:
        message += f". Retry after {max(1, round(retry_s))}s"
    return RateLimitError(message, retry_after_s=retry_s, headers=headers)
