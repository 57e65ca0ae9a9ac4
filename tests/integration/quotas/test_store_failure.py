"""The documented failure policy when Redis is down, and the quota scripts on both stores."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator

import pytest

from llm_gateway.core.config import QuotaSettings, StoreSettings, TierLimits
from llm_gateway.core.exceptions import RateLimitError
from llm_gateway.core.store import Store, create_store
from llm_gateway.services.auth.principal import Principal
from llm_gateway.services.quotas.errors import QuotaUnavailableError
from llm_gateway.services.quotas.service import QuotaService
from tests.backends import Backend
from tests.conftest import build_settings


def _dead_redis() -> Store:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return create_store(
        StoreSettings(redis_url=f"redis://127.0.0.1:{port}/0", socket_timeout_s=0.5)
    )


def _user(tier: str = "free") -> Principal:
    return Principal(auth_method="jwt", role="user", tier=tier, user_id=uuid.uuid4())


RATES_ONLY = TierLimits(requests_per_minute=1, tokens_per_minute=100)
WITH_BUDGET = TierLimits(requests_per_minute=1, monthly_budget_usd=5.0)


async def test_rate_limits_fail_open_and_budgets_fail_closed_by_default() -> None:
    store = _dead_redis()
    try:
        quotas = QuotaService(QuotaSettings(tiers={"free": RATES_ONLY, "pro": WITH_BUDGET}), store)
        admitted = await quotas.admit(_user("free"), prompt_tokens=1, max_output_tokens=1)
        assert not admitted.enforced
        await quotas.settle(admitted, prompt_tokens=1, completion_tokens=1)  # nothing to settle
        with pytest.raises(QuotaUnavailableError) as refused:
            await quotas.admit(_user("pro"), prompt_tokens=1, max_output_tokens=1)
        assert refused.value.status_code == 503
        assert (quotas.counters.store_fail_open, quotas.counters.store_fail_closed) == (1, 1)
    finally:
        await store.close()


async def test_failure_policy_is_configurable() -> None:
    store = _dead_redis()
    try:
        settings = QuotaSettings(
            tiers={"free": RATES_ONLY, "pro": WITH_BUDGET},
            fail_open_rate_limits=False,
            fail_open_budgets=True,
        )
        quotas = QuotaService(settings, store)
        with pytest.raises(QuotaUnavailableError):
            await quotas.admit(_user("free"), prompt_tokens=1, max_output_tokens=1)
        budget_only = QuotaService(
            QuotaSettings(
                tiers={"free": TierLimits(monthly_budget_usd=1.0)}, fail_open_budgets=True
            ),
            store,
        )
        assert not (await budget_only.admit(_user(), prompt_tokens=1, max_output_tokens=1)).enforced
    finally:
        await store.close()


@pytest.fixture
async def store(backend: Backend) -> AsyncIterator[Store]:
    created = create_store(build_settings(backend).store)
    yield created
    await created.close()


async def test_concurrent_admissions_never_exceed_any_limit(store: Store) -> None:
    """Run on Redis (Lua) and in-process (Python twin): the same burst, the same outcome."""
    settings = QuotaSettings(
        tiers={
            "free": TierLimits(requests_per_minute=7, tokens_per_minute=10_000, max_concurrent=20)
        }
    )
    quotas, who = QuotaService(settings, store), _user()

    async def attempt() -> bool:
        try:
            await quotas.admit(who, prompt_tokens=100, max_output_tokens=100)
        except RateLimitError:
            return False
        return True

    results = await asyncio.gather(*(attempt() for _ in range(30)))
    assert results.count(True) == 7
    (subject,) = quotas.resolver.subjects(who)
    usage = await quotas.peek(subject)
    assert usage.requests_last_minute == 7
    assert usage.concurrent == 7
    assert usage.tokens_available is not None
    assert 10_000 - 7 * 200 <= usage.tokens_available <= 10_000 - 7 * 200 + 50  # + refill


async def test_lease_of_a_crashed_holder_expires(store: Store) -> None:
    settings = QuotaSettings(tiers={"free": TierLimits(max_concurrent=1)}, slot_lease_s=0.3)
    quotas, who = QuotaService(settings, store), _user()
    held = await quotas.admit(who, prompt_tokens=1, max_output_tokens=1)  # never settled
    assert held.renewal is not None
    held.renewal.stop()  # its process crashed: the lease is no longer renewed
    with pytest.raises(RateLimitError):
        await quotas.admit(who, prompt_tokens=1, max_output_tokens=1)
    await asyncio.sleep(0.45)
    await quotas.admit(who, prompt_tokens=1, max_output_tokens=1)


async def test_budget_and_day_counters_agree_on_both_stores(store: Store) -> None:
    settings = QuotaSettings(
        tiers={"free": TierLimits(tokens_per_day=1000, monthly_budget_usd=0.5)}
    )
    quotas, who = QuotaService(settings, store), _user()
    held = await quotas.admit(who, prompt_tokens=300, max_output_tokens=300, estimated_cost_usd=0.3)
    await quotas.settle(held, prompt_tokens=300, completion_tokens=100, cost_usd=0.2)
    (subject,) = quotas.resolver.subjects(who)
    usage = await quotas.peek(subject)
    assert usage.tokens_today == 400
    assert usage.spent_this_month_usd == pytest.approx(0.2)
    with pytest.raises(RateLimitError):
        await quotas.admit(who, prompt_tokens=300, max_output_tokens=400)  # 400 + 700 > 1000
