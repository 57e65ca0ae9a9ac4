"""PostgreSQL down: verified API keys keep working from the cache (bounded); 503, never 500.

Before: keys stopped working as soon as their 30 s cache entry expired, and while PostgreSQL was
starting up or shutting down a ``DBAPIError`` escaped the auth read session as a 500.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager

from llm_gateway.app import create_app
from llm_gateway.core.config import Settings
from llm_gateway.fake_upstream import FakeUpstream
from llm_gateway.state import STATE_KEY, AppState
from tests.backends import Backend
from tests.conftest import build_settings
from tests.integration.auth.helpers import create_key, make_account
from tests.integration.quotas.support import FAST_ARGON2, MASTER_KEY, chat, write_registry
from tests.outages import PrivatePostgres

TTL_S = 0.3


def _settings(database_url: str, models: Path, **security: object) -> Settings:
    backend = Backend("postgres", database_url, None, "outage:")
    return build_settings(
        backend,
        providers={"models_file": models, "demo_upstream": False, "num_retries": 0},
        security={
            "master_key": MASTER_KEY,
            **FAST_ARGON2,
            "api_key_cache_ttl_s": TTL_S,
            **security,
        },
        quotas={"tiers": {"unlimited": {}}, "default_tier": "unlimited"},
        database={"url": database_url, "connect_timeout_s": 1.0, "pool_size": 2},
        tools={"code_executor_mode": "disabled"},
    )


@asynccontextmanager
async def _gateway(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, AppState]]:
    async with LifespanManager(create_app(settings), shutdown_timeout=60) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            yield client, manager._state[STATE_KEY]


async def test_a_verified_key_is_served_from_cache_while_postgres_is_down(
    private_postgres: PrivatePostgres, fake: FakeUpstream, tmp_path: Path
) -> None:
    settings = _settings(private_postgres.database_url, write_registry(tmp_path, fake.base_url))
    async with _gateway(settings) as (client, state):
        account = await make_account(client, "owner@example.com")
        key = await create_key(client, account, "k")
        headers = {"authorization": f"Bearer {key['key']}"}
        assert (await client.post("/v1/chat/completions", json=chat(), headers=headers)).is_success
        private_postgres.stop()
        await asyncio.sleep(TTL_S * 3)  # the cache entry has expired
        for _ in range(3):
            reply = await client.post("/v1/chat/completions", json=chat(), headers=headers)
            assert reply.status_code == 200, reply.text
        assert state.auth.cache.keys.stale_served >= 1
        unknown = {"authorization": "Bearer sk-" + "x" * 48}
        never_seen = await client.post("/v1/chat/completions", json=chat(), headers=unknown)
        assert never_seen.status_code in (401, 503)  # never verified: not served
        listing = await client.get("/users/me/api-keys", headers=account.headers)
        assert listing.status_code == 503, listing.text
        assert listing.json()["error"]["code"] == "database_unavailable"
        private_postgres.start()


async def test_the_stale_window_is_bounded(
    private_postgres: PrivatePostgres, fake: FakeUpstream, tmp_path: Path
) -> None:
    models = write_registry(tmp_path, fake.base_url)
    settings = _settings(private_postgres.database_url, models, api_key_stale_s=0.5)
    async with _gateway(settings) as (client, _state):
        account = await make_account(client, "owner@example.com")
        key = await create_key(client, account, "k")
        headers = {"authorization": f"Bearer {key['key']}"}
        assert (await client.post("/v1/chat/completions", json=chat(), headers=headers)).is_success
        private_postgres.stop()
        await asyncio.sleep(TTL_S + 0.5 + 0.3)  # past the TTL and the stale window
        reply = await client.post("/v1/chat/completions", json=chat(), headers=headers)
        assert reply.status_code == 503, reply.text
        private_postgres.start()


async def test_no_500_while_postgres_stops_and_starts(
    private_postgres: PrivatePostgres, fake: FakeUpstream, tmp_path: Path
) -> None:
    settings = _settings(private_postgres.database_url, write_registry(tmp_path, fake.base_url))
    async with _gateway(settings) as (client, _state):
        account = await make_account(client, "owner@example.com")
        key = await create_key(client, account, "k")
        codes: list[int] = []
        stop = asyncio.Event()

        async def hammer() -> None:
            while not stop.is_set():
                listing = await client.get("/users/me/api-keys", headers=account.headers)
                codes.append(listing.status_code)
                fresh = {"authorization": f"Bearer {key['key']}"}
                codes.append((await client.get("/v1/models", headers=fresh)).status_code)
                await asyncio.sleep(0.005)

        worker = asyncio.create_task(hammer())
        for _ in range(2):
            await asyncio.to_thread(private_postgres.stop)
            await asyncio.sleep(0.3)
            await asyncio.to_thread(private_postgres.start)
            await asyncio.sleep(0.3)
        stop.set()
        await worker
        assert 500 not in codes, codes
        assert 503 in codes
        assert 200 in codes
