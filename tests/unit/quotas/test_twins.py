"""The in-process quota scripts under a controlled clock: windows, buckets, periods, leases."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from llm_gateway.core.config import QuotaSettings, TierLimits
from llm_gateway.core.exceptions import RateLimitError
from llm_gateway.core.store import MemoryData
from llm_gateway.core.store.memory import MemoryStore
from llm_gateway.services.auth.principal import Principal
from llm_gateway.services.quotas.errors import ExceedsLimitError, InsufficientQuotaError
from llm_gateway.services.quotas.limits import Limits
from llm_gateway.services.quotas.service import QuotaService


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start.timestamp()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 1, 31, 23, 59, 0, tzinfo=UTC))


def service(clock: Clock, **limits: object) -> QuotaService:
    store = MemoryStore("t:", MemoryData(clock=clock))
    settings = QuotaSettings(tiers={"free": TierLimits.model_validate(limits)})
    return QuotaService(settings, store)


def user() -> Principal:
    return Principal(auth_method="jwt", role="user", tier="free", user_id=uuid.uuid4())


async def test_sliding_window_admits_exactly_the_limit_per_minute(clock: Clock) -> None:
    quotas, who = service(clock, requests_per_minute=3), user()
    for _ in range(3):
        await quotas.admit(who, prompt_tokens=1, max_output_tokens=1)
        clock.advance(10)
    with pytest.raises(RateLimitError) as refused:
        await quotas.admit(who, prompt_tokens=1, max_output_tokens=1)
    # The oldest request (30 s ago) leaves the window in 30 s.
    assert refused.value.retry_after_s == pytest.approx(30)
    assert refused.value.headers["x-ratelimit-remaining-requests"] == "0"
    clock.advance(30)
    await quotas.admit(who, prompt_tokens=1, max_output_tokens=1)  # one slot came free
    with pytest.raises(RateLimitError):
        await quotas.admit(who, prompt_tokens=1, max_output_tokens=1)


async def test_token_bucket_reserves_refunds_and_refills(clock: Clock) -> None:
    quotas, who = service(clock, tokens_per_minute=6000), user()
    first = await quotas.admit(who, prompt_tokens=1000, max_output_tokens=3000)
    assert first.headers["x-ratelimit-remaining-tokens"] == "2000"
    assert first.headers["x-ratelimit-reset-tokens"] == "40s"
    with pytest.raises(RateLimitError) as refused:
        await quotas.admit(who, prompt_tokens=1000, max_output_tokens=2000)
    assert refused.value.retry_after_s == pytest.approx(10)  # 1000 missing at 100 tokens/s
    await quotas.settle(first, prompt_tokens=1000, completion_tokens=500)  # 2500 refunded
    second = await quotas.admit(who, prompt_tokens=1000, max_output_tokens=2000)
    assert second.headers["x-ratelimit-remaining-tokens"] == "1500"
    clock.advance(30)  # +3000 refilled
    (subject,) = quotas.resolver.subjects(who)
    assert (await quotas.peek(subject)).tokens_available == 4500


async def test_actual_usage_above_the_reservation_is_charged(clock: Clock) -> None:
    quotas, who = service(clock, tokens_per_minute=6000, tokens_per_day=10_000), user()
    admission = await quotas.admit(who, prompt_tokens=100, max_output_tokens=100)
    await quotas.settle(admission, prompt_tokens=100, completion_tokens=5900)
    (subject,) = quotas.resolver.subjects(who)
    usage = await quotas.peek(subject)
    assert usage.tokens_available == 0
    assert usage.tokens_today == 6000
    with pytest.raises(RateLimitError):
        await quotas.admit(who, prompt_tokens=10, max_output_tokens=10)


async def test_request_larger_than_the_token_limit_is_refused_without_retry(clock: Clock) -> None:
    quotas = service(clock, tokens_per_minute=1000)
    with pytest.raises(ExceedsLimitError) as refused:
        await quotas.admit(user(), prompt_tokens=900, max_output_tokens=200)
    assert "Request too large" in refused.value.message
    assert "max_tokens" in refused.value.message  # says what to change
    assert refused.value.status_code == 413  # not a status the SDKs retry
    assert refused.value.headers["x-should-retry"] == "false"
    assert "Retry-After" not in refused.value.headers


async def test_daily_tokens_reset_at_utc_midnight(clock: Clock) -> None:
    quotas, who = service(clock, tokens_per_day=1000), user()
    await quotas.admit(who, prompt_tokens=500, max_output_tokens=400)
    with pytest.raises(RateLimitError) as refused:
        await quotas.admit(who, prompt_tokens=100, max_output_tokens=100)
    assert refused.value.retry_after_s == pytest.approx(60)  # 23:59 -> midnight
    clock.advance(61)
    await quotas.admit(who, prompt_tokens=100, max_output_tokens=100)


async def test_budget_blocks_the_next_request_and_resets_next_month(clock: Clock) -> None:
    quotas, who = service(clock, monthly_budget_usd=1.0), user()
    admission = await quotas.admit(
        who, prompt_tokens=1, max_output_tokens=1, estimated_cost_usd=0.1
    )
    await quotas.settle(admission, prompt_tokens=1, completion_tokens=1, cost_usd=1.25)
    with pytest.raises(InsufficientQuotaError) as refused:
        await quotas.admit(who, prompt_tokens=1, max_output_tokens=1, estimated_cost_usd=0.0)
    assert refused.value.code == "insufficient_quota"
    assert refused.value.status_code == 429
    clock.advance(120)  # January -> February
    await quotas.admit(who, prompt_tokens=1, max_output_tokens=1, estimated_cost_usd=0.1)


async def test_reservation_cannot_overspend_the_budget(clock: Clock) -> None:
    quotas, who = service(clock, monthly_budget_usd=1.0), user()
    await quotas.admit(who, prompt_tokens=1, max_output_tokens=1, estimated_cost_usd=0.7)
    with pytest.raises(InsufficientQuotaError):
        await quotas.admit(who, prompt_tokens=1, max_output_tokens=1, estimated_cost_usd=0.4)


async def test_concurrency_slots_are_released_or_expire(clock: Clock) -> None:
    store = MemoryStore("t:", MemoryData(clock=clock))
    settings = QuotaSettings(tiers={"free": TierLimits(max_concurrent=1)}, slot_lease_s=60)
    quotas, who = QuotaService(settings, store), user()
    held = await quotas.admit(who, prompt_tokens=1, max_output_tokens=1)
    with pytest.raises(RateLimitError) as refused:
        await quotas.admit(who, prompt_tokens=1, max_output_tokens=1)
    assert "concurrent" in refused.value.message
    await quotas.settle(held)
    crashed = await quotas.admit(who, prompt_tokens=1, max_output_tokens=1)
    assert crashed.enforced  # never settled: as if its process died
    clock.advance(61)  # the lease lapses
    await quotas.admit(who, prompt_tokens=1, max_output_tokens=1)


async def test_settle_is_idempotent(clock: Clock) -> None:
    quotas, who = service(clock, tokens_per_minute=1000, max_concurrent=5), user()
    admission = await quotas.admit(who, prompt_tokens=100, max_output_tokens=100)
    await quotas.settle(admission, prompt_tokens=10, completion_tokens=10)
    await quotas.settle(admission, prompt_tokens=10, completion_tokens=10)
    (subject,) = quotas.resolver.subjects(who)
    assert (await quotas.peek(subject)).tokens_available == 980


async def test_key_override_is_checked_with_the_user_all_or_nothing(clock: Clock) -> None:
    quotas = service(clock, requests_per_minute=10)
    key_id = uuid.uuid4()
    quotas.overrides.apply(f"key:{key_id}", Limits(requests_per_minute=1))
    who = Principal(
        auth_method="api_key", role="user", tier="free", user_id=uuid.uuid4(), api_key_id=key_id
    )
    admitted = await quotas.admit(who, prompt_tokens=1, max_output_tokens=1)
    assert admitted.headers["x-ratelimit-limit-requests"] == "1"  # the tighter of the two
    with pytest.raises(RateLimitError) as refused:
        await quotas.admit(who, prompt_tokens=1, max_output_tokens=1)
    assert "API key" in refused.value.message
    user_subject = quotas.resolver.subjects(who)[0]
    # The refused request consumed nothing from the user's own window.
    assert (await quotas.peek(user_subject)).requests_last_minute == 1


async def test_unlimited_tier_skips_the_store(clock: Clock) -> None:
    quotas = service(clock)
    admission = await quotas.admit(user(), prompt_tokens=1, max_output_tokens=1)
    assert not admission.enforced
    assert admission.headers == {}
