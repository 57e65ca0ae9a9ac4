"""When and how long to wait before trying again: exponential backoff with full jitter."""

from __future__ import annotations

import random
from dataclasses import dataclass

from llm_gateway.core.config import ProviderSettings
from llm_gateway.core.exceptions import GatewayError
from llm_gateway.providers.base import UpstreamCallError


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How many times one alias is retried, and how long to wait between tries."""

    retries: int = 2  # extra attempts per alias after the first
    backoff_base_s: float = 0.25
    backoff_max_s: float = 5.0
    retry_after_max_s: float = 10.0  # an upstream asking for a longer pause is not waited for

    @classmethod
    def from_settings(cls, settings: ProviderSettings) -> RetryPolicy:
        return cls(
            retries=settings.num_retries,
            backoff_base_s=settings.retry_backoff_base_s,
            backoff_max_s=settings.retry_backoff_max_s,
            retry_after_max_s=settings.retry_after_max_s,
        )


def is_retryable(exc: GatewayError) -> bool:
    """Connection errors, timeouts, 429 and 5xx from upstream; never another 4xx or our errors."""
    return isinstance(exc, UpstreamCallError) and exc.retryable


def backoff_delay(
    policy: RetryPolicy, retry_index: int, exc: GatewayError, rng: random.Random
) -> float | None:
    """Seconds to wait before retry number ``retry_index`` (0-based) on the same deployment.

    ``Retry-After`` from the upstream is honoured as given; None means the upstream asked for a
    pause longer than ``retry_after_max_s``, so waiting here is pointless and the caller should
    move on (another alias, or give up). Otherwise full jitter: uniform in [0, base * 2^n], capped.
    """
    retry_after = exc.retry_after_s if isinstance(exc, UpstreamCallError) else None
    if retry_after is not None:
        return retry_after if retry_after <= policy.retry_after_max_s else None
    ceiling = min(policy.backoff_max_s, policy.backoff_base_s * (2**retry_index))
    return rng.uniform(0.0, ceiling)
