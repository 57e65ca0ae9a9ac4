"""Helpers for the accounts tests: fast settings, users, logins and keys through the HTTP API."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, FastAPI

from llm_gateway.core.config import Settings
from llm_gateway.core.database import session_scope
from llm_gateway.services.auth import admin
from llm_gateway.services.auth.authenticate import AdminPrincipalDep, require_scopes
from llm_gateway.services.auth.principal import Principal
from llm_gateway.state import AppState
from tests.backends import Backend
from tests.conftest import build_settings

PASSWORD = "correct-horse-battery-staple"
MASTER_KEY = "mk-test-bootstrap-master-key-0123456789"
# argon2 at its cheapest: the tests exercise the logic, not the cost.
ChatPrincipal = Annotated[Principal, Depends(require_scopes("chat"))]
FAST_SECURITY: dict[str, Any] = {
    "argon2_time_cost": 1,
    "argon2_memory_kib": 64,
    "argon2_parallelism": 1,
}


def auth_settings(backend: Backend, **overrides: Any) -> Settings:
    security = {**FAST_SECURITY, **overrides.pop("security", {})}
    # The code sandbox probe is irrelevant to accounts and costs a process per app start.
    tools = {"code_executor_mode": "disabled", **overrides.pop("tools", {})}
    return build_settings(backend, security=security, tools=tools, **overrides)


def add_probe_routes(app: FastAPI) -> None:
    """Routes guarded the way other features guard theirs: by scope, and admin-only."""
    router = APIRouter()

    @router.get("/_probe/chat")
    async def chat(principal: ChatPrincipal) -> dict[str, str]:
        return {"user": str(principal.user_id)}

    @router.get("/_probe/admin")
    async def admin_only(principal: AdminPrincipalDep) -> dict[str, str]:
        return {"role": principal.role}

    app.include_router(router)


@dataclass
class Account:
    email: str
    user_id: uuid.UUID
    access: str
    refresh: str
    password: str = PASSWORD
    keys: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.access)


def bearer(credential: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {credential}"}


async def register(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD
) -> httpx.Response:
    return await client.post("/auth/register", json={"email": email, "password": password})


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/auth/login", json={"email": email, "password": password})


async def make_account(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> Account:
    created = await register(client, email, password)
    assert created.status_code == 201, created.text
    tokens = await login(client, email, password)
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    return Account(
        email=email,
        user_id=uuid.UUID(created.json()["id"]),
        access=body["access_token"],
        refresh=body["refresh_token"],
        password=password,
    )


async def make_admin(client: httpx.AsyncClient, state: AppState, email: str) -> Account:
    account = await make_account(client, email)
    await set_access(state, account.user_id, role="admin")
    relogged = (await login(client, email)).json()
    account.access, account.refresh = relogged["access_token"], relogged["refresh_token"]
    return account


async def set_access(state: AppState, user_id: uuid.UUID, **changes: Any) -> None:
    async with session_scope(state.session_factory) as session:
        await admin.set_user_access(session, state.auth, user_id, **changes)


async def create_key(
    client: httpx.AsyncClient, account: Account, name: str = "test", **body: Any
) -> dict[str, Any]:
    response = await client.post(
        "/users/me/api-keys", json={"name": name, **body}, headers=account.headers
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    account.keys[name] = created
    return created


def expired_access_token(state: AppState, account: Account) -> str:
    token, _ = state.auth.tokens.issue(
        user_id=account.user_id,
        session_id=uuid.uuid4(),
        version=0,
        role="user",
        tier="free",
        now=time.time() - 3600,
    )
    return token
