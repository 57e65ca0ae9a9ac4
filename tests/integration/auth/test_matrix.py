"""The authorization matrix: every protected route × every kind of caller.

Each row is one caller; each cell the status (and error code) that caller must get. Callers that
may use a route get a request that passes authorization and stops later where it is harmless
(a wrong current password, for example), so the matrix runs in one world per caller.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from llm_gateway.core.database import session_scope
from llm_gateway.models.api_key import ApiKey
from llm_gateway.state import AppState
from tests.integration.auth.helpers import (
    MASTER_KEY,
    bearer,
    create_key,
    expired_access_token,
    make_account,
    make_admin,
    set_access,
)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    body: Any = None


ROUTES: dict[str, Route] = {
    "me": Route("GET", "/users/me"),
    "update_me": Route("PATCH", "/users/me", {"display_name": "Renamed"}),
    "password": Route(
        "POST",
        "/users/me/password",
        {"current_password": "not-the-password", "new_password": "another long passphrase"},
    ),
    "list_keys": Route("GET", "/users/me/api-keys"),
    "create_key": Route("POST", "/users/me/api-keys", {"name": "from-matrix"}),
    "delete_alice_key": Route("DELETE", "/users/me/api-keys/{alice_key}"),
    "chat_scope": Route("GET", "/_probe/chat"),
    "admin_only": Route("GET", "/_probe/admin"),
    "logout": Route("POST", "/auth/logout"),  # last: it ends the caller's session
}

OK_AS_USER = {
    "me": 200,
    "update_me": 200,
    "password": (400, "invalid_current_password"),
    "list_keys": 200,
    "create_key": 201,
    "chat_scope": 200,
    "admin_only": (403, "admin_required"),
    "logout": 204,
}
SESSION_REQUIRED = (403, "session_required")
KEY_ROW = {
    "me": 200,
    **dict.fromkeys(("update_me", "password", "list_keys", "create_key"), SESSION_REQUIRED),
    "delete_alice_key": SESSION_REQUIRED,
    "logout": SESSION_REQUIRED,
    "chat_scope": 200,
    "admin_only": (403, "admin_required"),
}


def _everywhere(expected: Any) -> dict[str, Any]:
    return dict.fromkeys(ROUTES, expected)


MATRIX: dict[str, dict[str, Any]] = {
    "anonymous": _everywhere((401, "invalid_api_key")),
    "user": {**OK_AS_USER, "delete_alice_key": 204},
    "another_user": {**OK_AS_USER, "delete_alice_key": (404, "api_key_not_found")},
    "admin": {
        **OK_AS_USER,
        "delete_alice_key": (404, "api_key_not_found"),  # /users/me is never someone else's
        "admin_only": 200,
    },
    "user_key": KEY_ROW,
    "admin_key_with_admin_scope": {**KEY_ROW, "admin_only": 200},
    "admin_key_without_admin_scope": {**KEY_ROW, "admin_only": (403, "missing_scope")},
    "key_without_the_scope": {**KEY_ROW, "chat_scope": (403, "missing_scope")},
    "revoked_key": _everywhere((401, "api_key_revoked")),
    "expired_key": _everywhere((401, "api_key_expired")),
    "expired_access_token": _everywhere((401, "token_expired")),
    "malformed_token": _everywhere((401, "invalid_token")),
    "deactivated_user_token": _everywhere((403, "account_disabled")),
    "deactivated_user_key": _everywhere((403, "account_disabled")),
    "master_key": {
        "me": (403, "user_required"),
        **dict.fromkeys(("update_me", "password", "list_keys"), (403, "user_required")),
        "create_key": (403, "user_required"),
        "delete_alice_key": (403, "user_required"),
        "logout": (403, "user_required"),
        "chat_scope": 200,
        "admin_only": 200,
    },
}


async def _expire_key(state: AppState, key_id: str) -> None:
    async with session_scope(state.session_factory) as session:
        await session.execute(
            update(ApiKey)
            .where(ApiKey.id == uuid.UUID(key_id))
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )


async def _caller_headers(
    caller: str, client: httpx.AsyncClient, state: AppState
) -> tuple[dict[str, str], str]:
    """Build the world (Alice owns a key) and return the caller's headers and Alice's key id."""
    alice = await make_account(client, "alice@example.com")
    alice_key = (await create_key(client, alice, "alice-key"))["id"]
    if caller == "anonymous":
        return {}, alice_key
    if caller == "user":
        return alice.headers, alice_key
    if caller == "another_user":
        return (await make_account(client, "bob@example.com")).headers, alice_key
    if caller == "master_key":
        return bearer(MASTER_KEY), alice_key
    if caller == "malformed_token":
        return bearer("eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln"), alice_key
    if caller == "expired_access_token":
        return bearer(expired_access_token(state, alice)), alice_key
    if caller.startswith("admin"):
        root = await make_admin(client, state, "root@example.com")
        if caller == "admin":
            return root.headers, alice_key
        scopes = ["chat", "admin"] if caller == "admin_key_with_admin_scope" else ["chat"]
        return bearer((await create_key(client, root, "ops", scopes=scopes))["key"]), alice_key
    if caller.startswith("deactivated"):
        carol = await make_account(client, "carol@example.com")
        carol_key = (await create_key(client, carol, "carol-key"))["key"]
        assert (await client.get("/users/me", headers=bearer(carol_key))).status_code == 200
        await set_access(state, carol.user_id, is_active=False)
        return (carol.headers if caller.endswith("token") else bearer(carol_key)), alice_key
    scopes = ["embeddings"] if caller == "key_without_the_scope" else ["chat"]
    key = await create_key(client, alice, "under-test", scopes=scopes)
    if caller == "revoked_key":
        await client.delete(f"/users/me/api-keys/{key['id']}", headers=alice.headers)
    elif caller == "expired_key":
        await _expire_key(state, key["id"])
    return {"x-api-key": key["key"]} if caller == "user_key" else bearer(key["key"]), alice_key


@pytest.mark.parametrize("caller", list(MATRIX))
async def test_authorization_matrix(
    caller: str, client: httpx.AsyncClient, app_state: AppState
) -> None:
    headers, alice_key = await _caller_headers(caller, client, app_state)
    failures = []
    for name, route in ROUTES.items():
        response = await client.request(
            route.method,
            route.path.format(alice_key=alice_key),
            json=route.body,
            headers=headers,
        )
        expected = MATRIX[caller][name]
        status, code = expected if isinstance(expected, tuple) else (expected, None)
        got_code = response.json()["error"]["code"] if response.status_code >= 400 else None
        if response.status_code != status or (code is not None and got_code != code):
            failures.append(f"{name}: expected {status} {code or ''}, got {response.text}")
        if response.status_code == 401:
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert not failures, f"{caller}:\n  " + "\n  ".join(failures)
