"""OpenAI's rate-limit response headers: names, and reset durations written like "6m0s"."""

from __future__ import annotations

LIMIT_REQUESTS = "x-ratelimit-limit-requests"
REMAINING_REQUESTS = "x-ratelimit-remaining-requests"
RESET_REQUESTS = "x-ratelimit-reset-requests"
LIMIT_TOKENS = "x-ratelimit-limit-tokens"
REMAINING_TOKENS = "x-ratelimit-remaining-tokens"
RESET_TOKENS = "x-ratelimit-reset-tokens"


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


def rate_headers(
    requests: tuple[int, int, int] | None, tokens: tuple[int, int, int] | None
) -> dict[str, str]:
    """Headers for ``(limit, remaining, reset_ms)`` of requests and of tokens (None = unlimited)."""
    headers: dict[str, str] = {}
    if requests is not None:
        limit, remaining, reset_ms = requests
        headers[LIMIT_REQUESTS] = str(limit)
        headers[REMAINING_REQUESTS] = str(max(remaining, 0))
        headers[RESET_REQUESTS] = format_duration(reset_ms)
    if tokens is not None:
        limit, remaining, reset_ms = tokens
        headers[LIMIT_TOKENS] = str(limit)
        headers[REMAINING_TOKENS] = str(max(remaining, 0))
        headers[RESET_TOKENS] = format_duration(reset_ms)
    return headers
