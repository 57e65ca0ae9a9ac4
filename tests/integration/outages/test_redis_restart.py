"""Redis restarts: pooled connections are dead once; calls and readiness must not notice.

Before: after a restart 61 of 160 budget-tier calls got 503 ``quota_unavailable`` and
``/health/ready`` said 503 two seconds after Redis was healthy again.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from llm_gateway.app import create_app
from llm_gateway.core.config import Settings
from llm_gateway.fake_upstream import FakeUpstream
from tests.backends import Backend
from tests.conftest import build_settings, truncate_all
from tests.integration.quotas.support import FAST_ARGON2, MASTER, MASTER_KEY, chat, write_registry
from tests.outages import PrivateRedis


def _settings(backend: Backend, redis_url: str, models: Path) -> Settings:
    return build_settings(
        backend,
        providers={"models_file": models, "demo_upstream": False, "num_retries": 0},
        security={"master_key": MASTER_KEY, **FAST_ARGON2},
        store={"redis_url": redis_url, "namespace": "restart:", "socket_timeout_s": 5.0},
        quotas={
            "tiers": {"budget": {"monthly_budget_usd": 100.0, "requests_per_minute": 10_000}},
            "default_tier": "budget",
            "limit_master_key": True,  # the master key is on the budget tier: fail-closed
        },
        tools={"code_executor_mode": "disabled"},
    )


@pytest.mark.parametrize("persistent", [False, True], ids=["plain", "appendonly"])
async def test_budget_calls_and_readiness_survive_a_redis_restart(
    backend: Backend, fake: FakeUpstream, tmp_path: Path, persistent: bool
) -> None:
    if not backend.is_postgres:
        pytest.skip("one database is enough: this is about Redis")
    directory = tmp_path / "redis"
    directory.mkdir()
    redis = PrivateRedis(directory, appendonly=persistent)
    redis.start()
    settings = _settings(backend, redis.url, write_registry(tmp_path, fake.base_url))
    try:
        async with LifespanManager(create_app(settings), shutdown_timeout=60) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:

                async def call() -> int:
                    reply = await client.post("/v1/chat/completions", json=chat(), headers=MASTER)
                    return reply.status_code

                # Fill the pool: many connections, all idle when Redis goes away.
                assert set(await asyncio.gather(*(call() for _ in range(16)))) == {200}
                redis.restart()
                ready = await client.get("/health/ready")
                assert ready.status_code == 200, ready.text
                codes = []
                for _ in range(10):
                    codes += await asyncio.gather(*(call() for _ in range(16)))
                assert codes.count(200) == 160, codes
    finally:
        redis.kill()
        await truncate_all(backend.database_url)
