"""With the store away, access tokens fail closed (503) and cached API keys keep working."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from llm_gateway.core.store.base import StoreUnavailableError
from llm_gateway.state import AppState
from tests.integration.auth.helpers import bearer, create_key, make_account


async def test_store_outage_fails_closed_for_tokens_and_logout(
    client: httpx.AsyncClient, app_state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = await make_account(client, "outage@example.com")
    key = (await create_key(client, account))["key"]
    assert (await client.get("/_probe/chat", headers=bearer(key))).status_code == 200

    async def down(*args: Any, **kwargs: Any) -> Any:
        raise StoreUnavailableError("store unavailable")

    for method in ("run_script", "set", "get", "delete", "publish"):
        monkeypatch.setattr(app_state.store, method, down)
    # The deny-list cannot be read: a (possibly logged-out) access token is not let through.
    denied = await client.get("/users/me", headers=account.headers)
    assert denied.status_code == 503
    assert denied.json()["error"]["code"] == "store_unavailable"
    logout = await client.post("/auth/logout", headers=account.headers)
    assert logout.status_code == 503
    # API keys are checked against the in-process cache and the database only.
    assert (await client.get("/_probe/chat", headers=bearer(key))).status_code == 200

    monkeypatch.undo()
    # The failed logout revoked nothing half-way: the session is whole and can log out now.
    assert (await client.get("/users/me", headers=account.headers)).status_code == 200
    assert (await client.post("/auth/logout", headers=account.headers)).status_code == 204
    assert (await client.get("/users/me", headers=account.headers)).status_code == 401
