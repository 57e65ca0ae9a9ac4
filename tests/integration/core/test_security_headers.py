"""Browser-facing hardening: nosniff everywhere, no-store on account data, quiet readiness."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from llm_gateway.core.config import DatabaseSettings, Settings
from llm_gateway.core.database import create_engine
from llm_gateway.state import STATE_KEY, AppState
from tests.backends import Backend
from tests.integration.auth.helpers import MASTER_KEY, auth_settings, make_account


@pytest.fixture
def settings(backend: Backend) -> Settings:
    return auth_settings(backend, security={"master_key": MASTER_KEY})


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/auth/login"),
        ("GET", "/users/me"),
        ("GET", "/users/me/api-keys"),
        ("GET", "/admin/users"),
        ("GET", "/conversations"),
    ],
)
async def test_account_responses_are_never_stored(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    account = await make_account(client, "rita@example.com")
    anonymous = await client.request(method, path, json={} if method == "POST" else None)
    owner = await client.request(
        method, path, headers={"authorization": f"Bearer {account.access}"}
    )
    for response in (anonymous, owner):  # errors (401/403/422) and data alike
        assert response.headers["cache-control"] == "no-store", (path, response.status_code)
        assert response.headers["x-content-type-options"] == "nosniff"


async def test_tokens_from_login_are_not_stored(client: httpx.AsyncClient) -> None:
    account = await make_account(client, "sam@example.com")
    response = await client.post(
        "/auth/login", json={"email": account.email, "password": account.password}
    )
    assert response.status_code == 200
    assert response.headers.get_list("cache-control") == ["no-store"]


@pytest.mark.parametrize("path", ["/health/live", "/v1/models", "/no/such/route"])
async def test_every_response_forbids_content_sniffing(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "no-store" not in response.headers.get("cache-control", "")


@pytest.fixture
async def database_down(
    running_app: LifespanManager, backend: Backend, tmp_path: Path
) -> AsyncIterator[FastAPI]:
    """The app with its engine pointed at a database that is not there."""
    state: AppState = running_app._state[STATE_KEY]
    healthy = state.engine
    url = (
        "postgresql+asyncpg://secretuser@127.0.0.1:1/secretdb"
        if backend.is_postgres
        else f"sqlite+aiosqlite:///{tmp_path}/secretdb"  # a directory: SQLite cannot open it
    )
    if not backend.is_postgres:
        (tmp_path / "secretdb").mkdir()
    state.engine = create_engine(DatabaseSettings(url=url, connect_timeout_s=0.5))
    try:
        yield running_app.app  # type: ignore[misc]
    finally:
        await state.engine.dispose()
        state.engine = healthy


async def test_readiness_tells_only_admins_why(
    database_down: FastAPI, client: httpx.AsyncClient
) -> None:
    public = await client.get("/health/ready")
    assert public.status_code == 503
    message = public.json()["error"]["message"]
    assert message == "not ready: database unavailable"
    for secret in ("secretuser", "secretdb", "127.0.0.1", ":1"):
        assert secret not in public.text
    forged = await client.get("/health/ready", headers={"authorization": "Bearer sk-gw-nope"})
    assert forged.json()["error"]["message"] == message
    admin = await client.get("/health/ready", headers={"authorization": f"Bearer {MASTER_KEY}"})
    assert admin.status_code == 503
    assert "secretdb" in admin.json()["error"]["message"]
