"""A concurrency refusal's Retry-After says when a held slot lapses, not always "1".

Before: a slot held when Redis restarted stayed taken for the whole 900 s lease while every 429
said ``Retry-After: 1``. Lua (Redis) and its Python twin (in process) alike.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from llm_gateway.core.config import QuotaSettings, TierLimits
from llm_gateway.core.exceptions import RateLimitError
from llm_gateway.core.store import Store, create_store
from llm_gateway.services.auth.principal import Principal
from llm_gateway.services.quotas.service import QuotaService
from tests.backends import Backend
from tests.conftest import build_settings

LEASE_S = 120.0


@pytest.fixture
async def store(backend: Backend) -> AsyncIterator[Store]:
    created = create_store(build_settings(backend).store)
    yield created
    await created.close()


async def test_retry_after_is_when_the_oldest_held_slot_lapses(store: Store) -> None:
    settings = QuotaSettings(tiers={"free": TierLimits(max_concurrent=1)}, slot_lease_s=LEASE_S)
    quotas = QuotaService(settings, store)
    who = Principal(auth_method="jwt", role="user", tier="free", user_id=uuid.uuid4())
    held = await quotas.admit(who, prompt_tokens=1, max_output_tokens=1)  # never settled
    assert held.enforced
    with pytest.raises(RateLimitError) as refused:
        await quotas.admit(who, prompt_tokens=1, max_output_tokens=1)
    retry_after = int(refused.value.headers["Retry-After"])
    assert LEASE_S - 5 <= retry_after <= LEASE_S
    await quotas.settle(held)


async def test_a_live_call_keeps_its_short_lease_and_a_dead_one_frees_quickly(
    store: Store,
) -> None:
    """Before: a slot whose holder was gone stayed taken for the whole 900 s lease."""
    lease_s = 0.6
    settings = QuotaSettings(tiers={"free": TierLimits(max_concurrent=1)}, slot_lease_s=lease_s)
    quotas = QuotaService(settings, store)
    who = Principal(auth_method="jwt", role="user", tier="free", user_id=uuid.uuid4())
    live = await quotas.admit(who, prompt_tokens=1, max_output_tokens=1)
    await asyncio.sleep(lease_s * 3)  # longer than the lease: renewed while the call runs
    with pytest.raises(RateLimitError):
        await quotas.admit(who, prompt_tokens=1, max_output_tokens=1)
    await quotas.settle(live)
    dead = await quotas.admit(who, prompt_tokens=1, max_output_tokens=1)
    assert dead.renewal is not None
    dead.renewal.stop()  # its process died: nobody renews or releases it
    await asyncio.sleep(lease_s + 0.3)
    freed = await quotas.admit(who, prompt_tokens=1, max_output_tokens=1)
    await quotas.settle(freed)
