"""Changes to keys and users reach every instance: revoke, deactivate and role changes.

Two app instances share one database and one Redis; instance B has the credential cached (with
a long TTL, so only invalidation can explain a change) when instance A changes it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from llm_gateway.app import create_app
from llm_gateway.core.config import Settings
from llm_gateway.core.database import session_scope
from llm_gateway.core.exceptions import ConflictError
from llm_gateway.services.auth import admin
from llm_gateway.state import AppState
from tests.backends import Backend
from tests.integration.auth.helpers import (
    add_probe_routes,
    auth_settings,
    bearer,
    create_key,
    login,
    make_account,
    make_admin,
    set_access,
)

PROPAGATION_DEADLINE_S = 1.0


@pytest.fixture
def settings(backend: Backend) -> Settings:
    return auth_settings(backend, security={"api_key_cache_ttl_s": 600})


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    application = create_app(settings)
    add_probe_routes(application)
    return application


@pytest.fixture
async def other_instance(backend: Backend, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A second gateway process on the same database and Redis namespace."""
    if backend.redis_url is None:
        pytest.skip("instances share state only through Redis; the in-process store is per process")
    second = create_app(settings)
    add_probe_routes(second)
    async with LifespanManager(second, startup_timeout=30, shutdown_timeout=30) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://b") as client:
            yield client


async def _settles_within(
    deadline_s: float, request: Callable[[], Awaitable[httpx.Response]], status: int
) -> httpx.Response:
    """Poll until ``request`` answers ``status``; fail if it has not by the deadline."""
    started = time.monotonic()
    while True:
        response = await request()
        if response.status_code == status or time.monotonic() - started > deadline_s:
            return response
        await asyncio.sleep(0.02)


async def test_revoked_key_stops_working_on_every_instance(
    client: httpx.AsyncClient, other_instance: httpx.AsyncClient
) -> None:
    alice = await make_account(client, "alice@example.com")
    key = await create_key(client, alice)
    assert (await other_instance.get("/_probe/chat", headers=bearer(key["key"]))).status_code == 200
    await client.delete(f"/users/me/api-keys/{key['id']}", headers=alice.headers)
    response = await _settles_within(
        PROPAGATION_DEADLINE_S,
        lambda: other_instance.get("/_probe/chat", headers=bearer(key["key"])),
        401,
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "api_key_revoked"


async def test_deactivation_and_role_change_reach_every_instance(
    client: httpx.AsyncClient, app_state: AppState, other_instance: httpx.AsyncClient
) -> None:
    await make_admin(client, app_state, "root@example.com")  # so bob is not the last admin
    bob = await make_account(client, "bob@example.com")
    key = (await create_key(client, bob))["key"]
    assert (await other_instance.get("/_probe/admin", headers=bob.headers)).status_code == 403

    await set_access(app_state, bob.user_id, role="admin")
    promoted = await _settles_within(
        PROPAGATION_DEADLINE_S,
        lambda: other_instance.get("/_probe/admin", headers=bob.headers),
        200,
    )
    assert promoted.status_code == 200

    await set_access(app_state, bob.user_id, is_active=False)
    for headers in (bob.headers, bearer(key)):

        def me(h: dict[str, str] = headers) -> Awaitable[httpx.Response]:
            return other_instance.get("/users/me", headers=h)

        response = await _settles_within(PROPAGATION_DEADLINE_S, me, 403)
        assert response.json()["error"]["code"] == "account_disabled"


async def test_deactivated_user_loses_tokens_and_keys_at_once(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    carol = await make_account(client, "carol@example.com")
    key = (await create_key(client, carol))["key"]
    for headers in (carol.headers, bearer(key)):
        assert (await client.get("/users/me", headers=headers)).status_code == 200  # cached now
    await set_access(app_state, carol.user_id, is_active=False)
    for headers in (carol.headers, bearer(key)):
        response = await client.get("/users/me", headers=headers)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "account_disabled"
    assert (await client.post("/auth/refresh", json={"refresh_token": carol.refresh})).is_error
    assert (await login(client, "carol@example.com")).status_code == 403
    # Reactivation restores keys; the sessions ended at deactivation stay dead.
    await set_access(app_state, carol.user_id, is_active=True)
    assert (await client.get("/users/me", headers=bearer(key))).status_code == 200
    refreshed = await client.post("/auth/refresh", json={"refresh_token": carol.refresh})
    assert refreshed.status_code == 401
    stale = await client.get("/users/me", headers=carol.headers)
    assert stale.status_code == 401
    assert stale.json()["error"]["code"] == "token_revoked"


async def test_tier_change_applies_to_the_next_request(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    dan = await make_account(client, "dan@example.com")
    key = (await create_key(client, dan))["key"]
    assert (await client.get("/users/me", headers=bearer(key))).json()["tier"] == "free"
    await set_access(app_state, dan.user_id, tier="pro")
    principal_tier = (await client.get("/users/me", headers=bearer(key))).json()["tier"]
    assert principal_tier == "pro"


async def test_revoke_all_keys_of_a_user(client: httpx.AsyncClient, app_state: AppState) -> None:
    eve = await make_account(client, "eve@example.com")
    keys = [(await create_key(client, eve, f"k{i}"))["key"] for i in range(3)]
    for key in keys:
        assert (await client.get("/_probe/chat", headers=bearer(key))).status_code == 200
    async with session_scope(app_state.session_factory) as session:
        assert await admin.revoke_all_api_keys(session, app_state.auth, eve.user_id) == 3
    for key in keys:
        assert (await client.get("/_probe/chat", headers=bearer(key))).status_code == 401


async def test_the_last_admin_cannot_be_removed(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    root = await make_admin(client, app_state, "root@example.com")
    for change in ({"role": "user"}, {"is_active": False}):
        with pytest.raises(ConflictError):
            await set_access(app_state, root.user_id, **change)
    assert (await client.get("/_probe/admin", headers=root.headers)).status_code == 200
