"""Usage queries at 1,000,000 rows: time /admin/dashboard, /admin/usage and /users/me/usage.

Method: create a throwaway PostgreSQL database, migrate it, and COPY one million usage records
spread over the last 30 days (1,000 users with Zipf-like activity, 1-3 keys each, 12 aliases with
Zipf-like popularity, log-normal latencies, 40% streams with a TTFT, ~3% errors). The daily rollup
and latency-histogram tables are then filled with one INSERT ... SELECT each, the same sums the
background writer folds in batch by batch (its own throughput is measured separately through
``repositories.usage.insert_batch``). After VACUUM ANALYZE, each endpoint is called through the
ASGI app (auth, validation, queries, JSON) ``--runs`` times; the table gives median and p95.

    .venv/bin/python bench/usage_1m.py [--rows 1000000] [--runs 20] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import secrets
import statistics
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
from asgi_lifespan import LifespanManager

from llm_gateway.app import create_app
from llm_gateway.core import migrations
from llm_gateway.core.config import DatabaseSettings, Settings
from llm_gateway.core.database import session_scope
from llm_gateway.repositories import usage as usage_repo
from llm_gateway.services.usage.record import UsageEvent, latency_bucket
from llm_gateway.state import STATE_KEY, AppState

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
MASTER_KEY = "sk-bench-master-key-0123456789abcdef"
ALIASES = [f"model-{i:02d}" for i in range(12)]
COLUMNS = (
    "id", "created_at", "request_id", "user_id", "api_key_id", "source", "endpoint", "alias",
    "deployment", "provider", "intent", "prompt_tokens", "completion_tokens", "cached_tokens",
    "tokens_estimated", "cost_usd", "latency_ms", "ttft_ms", "latency_bucket", "ttft_bucket",
    "status_code", "error_code", "cache_hit", "stream",
)  # fmt: skip
SUMS = """count(*),
  sum(CASE WHEN status_code >= 400 OR error_code IS NOT NULL THEN 1 ELSE 0 END),
  sum(CASE WHEN cache_hit THEN 1 ELSE 0 END), sum(prompt_tokens), sum(completion_tokens),
  sum(cached_tokens), sum(cost_usd), sum(latency_ms)"""
ROLLUP_COLUMNS = """requests, errors, cache_hits, prompt_tokens, completion_tokens, cached_tokens,
  cost_usd, latency_ms_sum"""
DAY = "(created_at AT TIME ZONE 'UTC')::date"
NO_ID = "'00000000-0000-0000-0000-000000000000'"
ROLLUP_SQL = f"""
INSERT INTO usage_daily (day, user_id, api_key_id, alias, {ROLLUP_COLUMNS})
SELECT {DAY}, coalesce(user_id, {NO_ID}), coalesce(api_key_id, {NO_ID}), alias, {SUMS}
FROM usage_records GROUP BY 1, 2, 3, 4;
INSERT INTO usage_daily_model (day, alias, {ROLLUP_COLUMNS})
SELECT {DAY}, alias, {SUMS} FROM usage_records GROUP BY 1, 2;
INSERT INTO usage_daily_user (day, user_id, {ROLLUP_COLUMNS})
SELECT {DAY}, coalesce(user_id, {NO_ID}), {SUMS} FROM usage_records GROUP BY 1, 2;
INSERT INTO usage_latency_daily (day, metric, bucket, count)
SELECT {DAY}, 0, latency_bucket, count(*) FROM usage_records GROUP BY 1, 3;
INSERT INTO usage_latency_daily (day, metric, bucket, count)
SELECT {DAY}, 1, ttft_bucket, count(*) FROM usage_records
WHERE ttft_bucket IS NOT NULL GROUP BY 1, 3;
"""  # noqa: S608 - constants only


def zipf_weights(n: int, s: float = 1.1) -> list[float]:
    return [1 / (rank**s) for rank in range(1, n + 1)]


@dataclass
class Population:
    """Who calls what: users with Zipf-like activity, their keys and their usual models."""

    users: list[uuid.UUID]
    weights: list[float]
    keys: dict[uuid.UUID, list[uuid.UUID]]
    models: dict[uuid.UUID, list[str]]
    spread: str  # "realistic" or "uniform"

    @classmethod
    def build(cls, rng: random.Random, spread: str) -> Population:
        users = [uuid.uuid4() for _ in range(1000)]
        popular = zipf_weights(len(ALIASES))
        return cls(
            users=users,
            weights=zipf_weights(len(users)),
            keys={u: [uuid.uuid4() for _ in range(rng.randint(1, 3))] for u in users},
            models={u: rng.choices(ALIASES, weights=popular, k=rng.randint(1, 3)) for u in users},
            spread=spread,
        )

    def pick(self, rng: random.Random, user: uuid.UUID) -> tuple[uuid.UUID | None, str]:
        keys = self.keys[user]
        if self.spread == "uniform":  # worst case for the rollups: no habits at all
            return rng.choice([*keys, None]), rng.choice(ALIASES)
        key = None if rng.random() < 0.3 else keys[0] if rng.random() < 0.8 else rng.choice(keys)
        return key, rng.choice(self.models[user])


def generate(
    rows: int, start: datetime, span_s: float, pop: Population, rng: random.Random
) -> list[tuple[object, ...]]:
    """``rows`` records between ``start`` and ``start + span_s``, in time order (as appended)."""
    times = sorted(rng.uniform(0, span_s) for _ in range(rows))
    callers = rng.choices(pop.users, weights=pop.weights, k=rows)
    out: list[tuple[object, ...]] = []
    for i, (offset, user) in enumerate(zip(times, callers, strict=True)):
        key, alias = pop.pick(rng, user)
        stream = rng.random() < 0.4
        latency = math.exp(rng.gauss(6.5, 0.8))  # median ~665 ms
        ttft = math.exp(rng.gauss(5.0, 0.7)) if stream else None
        failed = rng.random() < 0.03
        prompt, completion = rng.randint(10, 3000), 0 if failed else rng.randint(1, 1500)
        out.append((
            uuid.uuid4(), start + timedelta(seconds=offset), f"req_{i}", user, key, "proxy",
            "/v1/chat/completions", alias, f"{alias}/openai/0", "openai", None,
            prompt, completion, 0, False, (prompt * 0.5 + completion * 1.5) / 1e6, latency, ttft,
            latency_bucket(latency), None if ttft is None else latency_bucket(ttft),
            500 if failed else 200, "upstream_error" if failed else None, False, stream,
        ))  # fmt: skip
    return out


async def load(url: str, rows: int, spread: str) -> tuple[float, str]:
    rng = random.Random(42)
    pop = Population.build(rng, spread)
    first = datetime.now(UTC) - timedelta(days=30)
    chunks = 60  # half a day each, appended oldest first like the writer does
    started = time.perf_counter()
    conn = await asyncpg.connect(url)
    try:
        for chunk in range(chunks):
            count = rows // chunks + (1 if chunk < rows % chunks else 0)
            at = first + timedelta(days=30 * chunk / chunks)
            batch = generate(count, at, 30 * 86400 / chunks, pop, rng)
            await conn.copy_records_to_table("usage_records", records=batch, columns=COLUMNS)
        await conn.execute(ROLLUP_SQL)
        await conn.execute("VACUUM ANALYZE")
        heavy = await conn.fetchval(
            "SELECT user_id FROM usage_daily GROUP BY user_id ORDER BY sum(requests) DESC LIMIT 1"
        )
        sizes = {
            table: await conn.fetchval(f"SELECT count(*) FROM {table}")  # noqa: S608 - constants
            for table in (
                "usage_records",
                "usage_daily",
                "usage_daily_model",
                "usage_daily_user",
                "usage_latency_daily",
            )
        }
    finally:
        await conn.close()
    print("rows:", sizes)
    return time.perf_counter() - started, str(heavy)


async def writer_throughput(state: AppState, rows: int = 20_000) -> float:
    now = datetime.now(UTC)
    events = [
        UsageEvent(
            request_id=f"w{i}", source="proxy", endpoint="/v1/chat/completions",
            alias=ALIASES[i % 12], user_id=None, prompt_tokens=10, completion_tokens=20,
            latency_ms=100 + i % 900, created_at=now,
        )
        for i in range(rows)
    ]  # fmt: skip
    started = time.perf_counter()
    for i in range(0, rows, 500):
        async with session_scope(state.session_factory) as session:
            await usage_repo.insert_batch(session, events[i : i + 500])
    return rows / (time.perf_counter() - started)


async def time_endpoints(app_url: str, heavy_user: str, runs: int) -> None:
    settings = Settings(
        _env_file=None,
        environment="test",
        database={"url": app_url, "migrate_on_start": False},
        security={"master_key": MASTER_KEY},
        providers={"demo_upstream": False},
        tools={"code_executor_mode": "disabled"},
        server={"access_log": False},
        telemetry={"log_level": "WARNING"},
    )
    app = create_app(settings)
    now = datetime.now(UTC)
    day = now.date()
    headers = {"authorization": f"Bearer {MASTER_KEY}"}
    cases = {
        "dashboard, last 24 h": ("/admin/dashboard", {}),
        "dashboard, last 7 days": (
            "/admin/dashboard", {"start": (now - timedelta(days=7)).isoformat()}),
        "dashboard, last 30 days": (
            "/admin/dashboard", {"start": (now - timedelta(days=30)).isoformat()}),
        "usage by day, 30 days": ("/admin/usage", {"start": str(day - timedelta(days=29))}),
        "usage by model+user, 30 days, page 1 (100)": (
            "/admin/usage", {"start": str(day - timedelta(days=29)), "group_by": "model,user"}),
        "usage by day+model, 30 days, CSV": (
            "/admin/usage",
            {"start": str(day - timedelta(days=29)), "group_by": "day,model", "format": "csv"}),
        "usage of the heaviest user by key, 30 days": (
            "/admin/usage",
            {"start": str(day - timedelta(days=29)), "group_by": "key", "user_id": heavy_user}),
    }  # fmt: skip
    async with LifespanManager(app) as manager:
        state: AppState = manager._state[STATE_KEY]
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            print("\n| query | median ms | p95 ms |\n|---|---:|---:|")
            for name, (path, params) in cases.items():
                (await client.get(path, params=params, headers=headers)).raise_for_status()
                samples = []  # after one untimed warm-up call (plan and connection caches)
                for _ in range(runs):
                    started = time.perf_counter()
                    response = await client.get(path, params=params, headers=headers)
                    samples.append((time.perf_counter() - started) * 1000)
                    response.raise_for_status()
                samples.sort()
                p95 = samples[min(len(samples) - 1, math.ceil(0.95 * len(samples)) - 1)]
                print(f"| {name} | {statistics.median(samples):.1f} | {p95:.1f} |")
        samples = []
        for _ in range(runs + 1):
            started = time.perf_counter()
            async with session_scope(state.session_factory) as session:
                await usage_repo.user_usage(
                    session, uuid.UUID(heavy_user), day - timedelta(days=29), day
                )
            samples.append((time.perf_counter() - started) * 1000)
        samples = sorted(samples[1:])
        p95 = samples[min(len(samples) - 1, math.ceil(0.95 * len(samples)) - 1)]
        print(
            f"| /users/me/usage queries, heaviest user, 30 days (repository) "
            f"| {statistics.median(samples):.1f} | {p95:.1f} |"
        )
        rate = await writer_throughput(state)
        print(f"\nwriter: insert_batch with rollups, 500-row batches: {rate:,.0f} rows/s")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--spread",
        choices=["realistic", "uniform"],
        default="realistic",
        help="uniform: every call picks any model and key (worst case for the rollups)",
    )
    args = parser.parse_args()
    name = f"llmgw_bench_usage_{secrets.token_hex(3)}"
    admin = await asyncpg.connect(ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        await asyncio.to_thread(
            migrations.upgrade, DatabaseSettings(url=url.replace("://", "+asyncpg://", 1))
        )
        seconds, heavy = await load(url, args.rows, args.spread)
        print(f"loaded {args.rows:,} rows (+ rollups, ANALYZE) in {seconds:.0f} s")
        await time_endpoints(url.replace("://", "+asyncpg://", 1), heavy, args.runs)
    finally:
        if not args.keep:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
