"""Backoff: full jitter within an exponential ceiling, Retry-After honoured up to a cap."""

from __future__ import annotations

import random

from llm_gateway.core.exceptions import InvalidRequestError
from llm_gateway.services.routing.retry import RetryPolicy, backoff_delay, is_retryable
from tests.unit.routing.fakes import upstream_error

POLICY = RetryPolicy(retries=3, backoff_base_s=0.5, backoff_max_s=3.0, retry_after_max_s=10.0)


def test_full_jitter_stays_under_a_doubling_capped_ceiling() -> None:
    rng = random.Random(5)
    error = upstream_error(500)
    for index, ceiling in enumerate([0.5, 1.0, 2.0, 3.0, 3.0]):
        delays = [backoff_delay(POLICY, index, error, rng) for _ in range(200)]
        assert all(d is not None and 0 <= d <= ceiling for d in delays)
        assert max(d for d in delays if d is not None) > ceiling * 0.8  # jitter spans the range


def test_retry_after_is_used_as_given_and_refused_above_the_cap() -> None:
    rng = random.Random(6)
    assert backoff_delay(POLICY, 0, upstream_error(429, retry_after_s=2.5), rng) == 2.5
    assert backoff_delay(POLICY, 0, upstream_error(429, retry_after_s=11), rng) is None


def test_only_retryable_upstream_errors_are_retried() -> None:
    assert is_retryable(upstream_error(429))
    assert is_retryable(upstream_error(503))
    assert not is_retryable(upstream_error(400))
    assert not is_retryable(upstream_error(404))
    assert not is_retryable(InvalidRequestError("bad"))
