"""Quota admission on Redis with allowance leases off and on: wall time and CPU per call.

One process, one principal far from its limits (every limit set, raised never to refuse), 3,000
sequential ``admit`` + ``settle`` calls per run (the first 500 not timed), runs alternating
between ``allowance_lease_s=0`` (every call is a Redis round trip, as before leases) and the
default lease. This is the request path's share at one request in flight; it does not depend on
wrk or on the HTTP stack, so it stays readable on a loaded machine.

    .venv/bin/python bench/admission_latency.py [--redis redis://127.0.0.1:6379/0] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid

from llm_gateway.core.config import QuotaSettings, StoreSettings, TierLimits
from llm_gateway.core.store.redis import RedisStore
from llm_gateway.services.auth.principal import Principal
from llm_gateway.services.quotas.service import QuotaService

FAR = TierLimits(
    requests_per_minute=10**9,
    tokens_per_minute=10**12,
    tokens_per_day=10**12,
    monthly_budget_usd=10**9,
    max_concurrent=10**5,
)
CALLS, UNTIMED = 3000, 500


async def one_run(redis_url: str, lease_s: float) -> tuple[float, float, float, float]:
    """(admit p50 µs, admit p99 µs, settle p50 µs, CPU µs per admit + settle)."""
    store = RedisStore(
        StoreSettings(redis_url=redis_url, namespace=f"bench-admit-{uuid.uuid4().hex[:8]}:")
    )
    quotas = QuotaService(QuotaSettings(tiers={"free": FAR}, allowance_lease_s=lease_s), store)
    await quotas.start()
    who = Principal(auth_method="jwt", role="user", tier="free", user_id=uuid.uuid4())
    admits: list[float] = []
    settles: list[float] = []
    cpu = time.process_time()
    for i in range(CALLS):
        start = time.perf_counter()
        admission = await quotas.admit(
            who, prompt_tokens=10, max_output_tokens=16, estimated_cost_usd=0.0001
        )
        admitted = time.perf_counter()
        await quotas.settle(admission, prompt_tokens=10, completion_tokens=5, cost_usd=0.00005)
        if i >= UNTIMED:
            admits.append(admitted - start)
            settles.append(time.perf_counter() - admitted)
    cpu_us = (time.process_time() - cpu) / CALLS * 1e6
    await quotas.stop()
    keys = [k async for k in store.client.scan_iter(match=store.namespace + "*")]
    if keys:
        await store.client.delete(*keys)
    await store.close()
    admits.sort()
    return (
        statistics.median(admits) * 1e6,
        admits[int(len(admits) * 0.99)] * 1e6,
        statistics.median(settles) * 1e6,
        cpu_us,
    )


async def main(args: argparse.Namespace) -> None:
    results: dict[float, list[tuple[float, float, float, float]]] = {0.0: [], 1.0: []}
    for _ in range(args.runs):
        for lease_s in results:
            results[lease_s].append(await one_run(args.redis, lease_s))
    for lease_s, runs in results.items():
        p50, p99, settle, cpu = (statistics.median(r[i] for r in runs) for i in range(4))
        print(
            f"allowance_lease_s={lease_s}: admit p50 {p50:.0f} µs, p99 {p99:.0f} µs; "
            f"settle p50 {settle:.0f} µs; CPU {cpu:.0f} µs per admit + settle "
            f"(medians of {len(runs)} runs)"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--runs", type=int, default=3)
    asyncio.run(main(parser.parse_args()))
