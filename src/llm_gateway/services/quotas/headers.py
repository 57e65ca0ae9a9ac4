"""Rate-limit response headers in both dialects.

OpenAI's ``x-ratelimit-*`` write resets as durations ("6m0s"); Anthropic's
``anthropic-ratelimit-{requests,tokens}-{limit,remaining,reset}`` as RFC 3339 instants. Both go
on every metered response, so either family of clients (and SDK retry logic) finds its own.
"""

from __future__ import annotations

import time
from functools import lru_cache

LIMIT_REQUESTS = "x-ratelimit-limit-requests"
REMAINING_REQUESTS = "x-ratelimit-remaining-requests"
RESET_REQUESTS = "x-ratelimit-reset-requests"
LIMIT_TOKENS = "x-ratelimit-limit-tokens"
REMAINING_TOKENS = "x-ratelimit-remaining-tokens"
RESET_TOKENS = "x-ratelimit-reset-tokens"


@lru_cache(maxsize=1024)
def format_duration(ms: int) -> str:
    """Milliseconds as OpenAI writes durations: "20ms", "1s", "8.64s", "6m0s", "1h2m3s"."""
    ms = max(int(ms), 0)
    if ms < 1000:
        return f"{ms}ms"
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds = f"{rest / 1000:.3f}".rstrip("0").rstrip(".")
    if hours:
        return f"{hours}h{minutes}m{seconds}s"
    if minutes:
        return f"{minutes}m{seconds}s"
    return f"{seconds}s"


@lru_cache(maxsize=1024)
def _rfc3339(epoch_s: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch_s))


def _instant(now: float, ms: int) -> str:
    """``now`` (epoch seconds) plus ``ms``, truncated to the second, as RFC 3339 UTC."""
    return _rfc3339(int(now + max(ms, 0) / 1000))


def rate_headers(
    requests: tuple[int, int, int] | None, tokens: tuple[int, int, int] | None
) -> dict[str, str]:
    """Headers for ``(limit, remaining, reset_ms)`` of requests and of tokens (None = unlimited)."""
    headers: dict[str, str] = {}
    now = time.time()
    for kind, values in (("requests", requests), ("tokens", tokens)):
        if values is None:
            continue
        limit, remaining, reset_ms = values
        headers[f"x-ratelimit-limit-{kind}"] = str(limit)
        headers[f"x-ratelimit-remaining-{kind}"] = str(max(remaining, 0))
        headers[f"x-ratelimit-reset-{kind}"] = format_duration(reset_ms)
        headers[f"anthropic-ratelimit-{kind}-limit"] = str(limit)
        headers[f"anthropic-ratelimit-{kind}-remaining"] = str(max(remaining, 0))
        headers[f"anthropic-ratelimit-{kind}-reset"] = _instant(now, reset_ms)
    return headers
