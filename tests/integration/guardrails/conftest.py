"""Guardrail policy fixtures: a gateway over the fake upstream with accounts, keys and policies.

The agent tests' registry: ``small``/``large`` serve the agent (``model: auto``, ``/chat``);
``small-plain`` is the explicit alias of the proxy path. Every test builds its app from the
guardrail settings it names (``guardrails`` fixture, overridden per class), so a policy mode is
one dictionary away.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from llm_gateway.app import create_app
from llm_gateway.state import AppState
from tests.backends import Backend
from tests.integration.agent.conftest import fake, models_file
from tests.integration.auth.helpers import (
    MASTER_KEY,
    Account,
    auth_settings,
    bearer,
    create_key,
    make_account,
    make_admin,
)

ADMIN = bearer(MASTER_KEY)
__all__ = ["fake", "models_file"]  # the agent tests' fixtures, shared


@pytest.fixture
def guardrails() -> dict[str, Any]:
    """``agent.guardrails`` settings of the app under test (classes override this)."""
    return {}


@pytest.fixture
def app(backend: Backend, models_file: Path, guardrails: dict[str, Any]) -> FastAPI:
    settings = auth_settings(
        backend,
        providers={"models_file": models_file, "demo_upstream": False, "num_retries": 0},
        security={"master_key": MASTER_KEY},
        tools={"web_search_enabled": False, "code_executor_mode": "disabled"},
        agent={"guardrails": guardrails},
    )
    return create_app(settings)


@pytest.fixture
async def alice(client: httpx.AsyncClient) -> Account:
    """A user of the default tier (free) with two API keys, ``one`` and ``two``."""
    account = await make_account(client, "alice@example.com")
    await create_key(client, account, "one")
    await create_key(client, account, "two")
    return account


@pytest.fixture
async def admin(client: httpx.AsyncClient, app_state: AppState) -> Account:
    return await make_admin(client, app_state, "root@example.com")


def key_auth(account: Account, name: str) -> dict[str, str]:
    return bearer(account.keys[name]["key"])


async def set_key_policy(
    client: httpx.AsyncClient, account: Account, name: str, policy: dict[str, Any] | None
) -> httpx.Response:
    """PATCH the key's guardrail override as the master key (an admin)."""
    key_id = account.keys[name]["id"]
    body = {"overrides": {"guardrails": policy}}
    return await client.patch(f"/admin/api-keys/{key_id}", json=body, headers=ADMIN)


async def set_user_policy(
    client: httpx.AsyncClient, account: Account, policy: dict[str, Any] | None
) -> None:
    """PATCH the user's guardrail override as the master key (an admin)."""
    body = {"overrides": {"guardrails": policy}}
    changed = await client.patch(f"/admin/users/{account.user_id}", json=body, headers=ADMIN)
    assert changed.status_code == 200, changed.text
