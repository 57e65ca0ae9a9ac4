"""Allowance leases: two instances admitting locally from leased chunks stay exact at the limit.

Each "instance" is a ``QuotaService`` with its own Redis connection and its own leases, as two
gateway processes have (on the in-process store: two services over one store, through the lease
script's Python twin). Both are driven fast enough to lease (far from the limit) and keep going
until the limit refuses them, so the end of each run goes through the per-request script.
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from llm_gateway.core.config import QuotaSettings, StoreSettings, TierLimits
from llm_gateway.core.exceptions import RateLimitError
from llm_gateway.core.store import Store, create_store
from llm_gateway.core.store.memory import MemoryStore
from llm_gateway.core.store.redis import RedisStore
from llm_gateway.services.auth.principal import Principal
from llm_gateway.services.quotas.errors import QuotaUnavailableError
from llm_gateway.services.quotas.service import Admission, QuotaService
from tests.backends import Backend

PROMPT, OUTPUT = 400, 600  # 1,000 tokens reserved per request
COST = 0.125  # exact in binary: sums compare exactly


@dataclass
class Cluster:
    """Two quota services (instances) on one Redis namespace."""

    instances: list[QuotaService]
    stores: list[Store]


@pytest.fixture
async def cluster_factory(backend: Backend) -> AsyncIterator[list[Cluster]]:
    made: list[Cluster] = []
    yield made
    for cluster in made:
        for quotas in cluster.instances:
            await quotas.stop()
        store = cluster.stores[0]
        if isinstance(store, RedisStore):
            keys = [k async for k in store.client.scan_iter(match=store.namespace + "*")]
            if keys:
                await store.client.delete(*keys)
        for store in cluster.stores:
            await store.close()


async def make_cluster(
    backend: Backend, made: list[Cluster], limits: TierLimits, count: int = 2
) -> Cluster:
    namespace = f"{backend.namespace}allow-{uuid.uuid4().hex[:8]}:"
    stores: list[Store]
    if backend.redis_url is None:
        stores = [MemoryStore(namespace)] * count  # one process's store, shared
    else:
        stores = [
            RedisStore(StoreSettings(redis_url=backend.redis_url, namespace=namespace))
            for _ in range(count)
        ]
    instances = [QuotaService(QuotaSettings(tiers={"free": limits}), s) for s in stores]
    for quotas in instances:
        await quotas.start()
    cluster = Cluster(instances, stores)
    made.append(cluster)
    return cluster


def user() -> Principal:
    return Principal(auth_method="jwt", role="user", tier="free", user_id=uuid.uuid4())


async def drive(quotas: QuotaService, who: Principal, held: list[Admission]) -> None:
    """Admit ~1,000 requests a second until 30 refusals in a row."""
    refused = 0
    while refused < 30:
        for _ in range(5):
            try:
                held.append(
                    await quotas.admit(
                        who, prompt_tokens=PROMPT, max_output_tokens=OUTPUT, estimated_cost_usd=COST
                    )
                )
                refused = 0
            except RateLimitError:
                refused += 1
        await asyncio.sleep(0.005)


async def burst(cluster: Cluster, who: Principal) -> list[list[Admission]]:
    held: list[list[Admission]] = [[] for _ in cluster.instances]
    await asyncio.gather(*(drive(q, who, h) for q, h in zip(cluster.instances, held, strict=True)))
    return held


LIMIT = 2000
KINDS = {
    "requests": (TierLimits(requests_per_minute=LIMIT), LIMIT),
    "tokens": (TierLimits(tokens_per_day=LIMIT * (PROMPT + OUTPUT)), LIMIT),
    "budget": (TierLimits(monthly_budget_usd=LIMIT * COST), LIMIT),
    "slots": (TierLimits(max_concurrent=LIMIT), LIMIT),
}


@pytest.mark.parametrize("kind", list(KINDS))
async def test_two_instances_leasing_admit_exactly_the_limit(
    backend: Backend, cluster_factory: list[Cluster], kind: str
) -> None:
    limits, expected = KINDS[kind]
    cluster = await make_cluster(backend, cluster_factory, limits)
    who = user()
    held = await burst(cluster, who)
    assert sum(len(h) for h in held) == expected
    assert all(held), "both instances admitted some"
    local = [sum(a.allowance is not None for a in h) for h in held]
    assert all(n > 0 for n in local), f"each instance admitted from a lease: {local}"
    assert all(sum(a.allowance is None for a in h) > 0 for h in held), "and near the limit, not"

    # Returned on shutdown: the counters hold exactly what was admitted, nothing leased.
    for quotas in cluster.instances:
        await quotas.stop()
    (subject,) = cluster.instances[0].resolver.subjects(who)
    usage = await cluster.instances[0].peek(subject)
    if kind == "requests":
        assert usage.requests_last_minute == expected
    if kind == "tokens":
        assert usage.tokens_today == expected * (PROMPT + OUTPUT)
    if kind == "budget":
        assert usage.spent_this_month_usd == expected * COST
    if kind == "slots":
        assert usage.concurrent == expected


async def test_settled_calls_and_shutdown_return_every_unused_unit(
    backend: Backend, cluster_factory: list[Cluster]
) -> None:
    limits = TierLimits(
        requests_per_minute=100_000,
        tokens_per_day=10**9,
        monthly_budget_usd=10_000.0,
        max_concurrent=10_000,
    )
    cluster = await make_cluster(backend, cluster_factory, limits, count=1)
    (quotas,) = cluster.instances
    who = user()
    admitted: list[Admission] = []
    for _ in range(60):
        for _ in range(5):
            admitted.append(
                await quotas.admit(
                    who, prompt_tokens=PROMPT, max_output_tokens=OUTPUT, estimated_cost_usd=COST
                )
            )
        await asyncio.sleep(0.005)
    assert any(a.allowance is not None for a in admitted)
    for admission in admitted:  # each used 250 tokens and $0.0625 less than reserved
        await quotas.settle(
            admission, prompt_tokens=PROMPT, completion_tokens=OUTPUT - 250, cost_usd=COST / 2
        )
    (subject,) = quotas.resolver.subjects(who)
    await quotas.stop()
    after = await quotas.peek(subject)
    assert after.requests_last_minute == len(admitted)
    assert after.tokens_today == len(admitted) * (PROMPT + OUTPUT - 250)
    assert after.spent_this_month_usd == len(admitted) * COST / 2
    assert after.concurrent == 0


async def test_store_outage_keeps_the_documented_policy_under_load() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    store = create_store(
        StoreSettings(redis_url=f"redis://127.0.0.1:{port}/0", socket_timeout_s=0.5)
    )
    tiers = {
        "free": TierLimits(requests_per_minute=100_000, max_concurrent=1000),
        "pro": TierLimits(requests_per_minute=100_000, monthly_budget_usd=1000.0),
    }
    quotas = QuotaService(QuotaSettings(tiers=tiers), store)
    await quotas.start()
    try:
        rates, budget = (
            user(),
            Principal(auth_method="jwt", role="user", tier="pro", user_id=uuid.uuid4()),
        )
        for _ in range(40):  # fast enough to ask for a lease; every request decides alone
            admission = await quotas.admit(rates, prompt_tokens=1, max_output_tokens=1)
            assert not admission.enforced
            with pytest.raises(QuotaUnavailableError):
                await quotas.admit(budget, prompt_tokens=1, max_output_tokens=1)
        assert (quotas.counters.store_fail_open, quotas.counters.store_fail_closed) == (40, 40)
    finally:
        await quotas.stop()
        await store.close()
