"""User API keys: shown once, owner-only, accepted in both headers, checked without the database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import event, select

from llm_gateway.core.exceptions import AuthenticationError
from llm_gateway.models.api_key import ApiKey
from llm_gateway.services.auth.authenticate import authenticate, credential_from_headers
from llm_gateway.state import AppState
from tests.integration.auth.helpers import Account, bearer, create_key, make_account, make_admin


@contextmanager
def count_queries(state: AppState) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(state.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(state.engine.sync_engine, "before_cursor_execute", record)


@pytest.fixture
async def alice(client: httpx.AsyncClient) -> Account:
    return await make_account(client, "alice@example.com")


async def test_secret_is_shown_once_and_stored_only_as_a_hash(
    client: httpx.AsyncClient, app_state: AppState, alice: Account
) -> None:
    created = await create_key(client, alice, "laptop", scopes=["chat"])
    secret = created["key"]
    assert secret.startswith(created["prefix"])
    assert created["prefix"].startswith("sk-gw-")
    listed = (await client.get("/users/me/api-keys", headers=alice.headers)).json()
    assert listed[0]["id"] == created["id"]
    assert listed[0]["prefix"] == created["prefix"]
    assert "key" not in listed[0]
    assert "key_hash" not in listed[0]
    assert secret not in str(listed)
    async with app_state.session_factory() as session:
        row = (await session.execute(select(ApiKey))).scalar_one()
    assert row.key_hash != secret
    assert secret not in row.key_hash
    assert row.key_hash == app_state.auth.hash_secret(secret)


async def test_authenticate_accepts_a_user_key_in_both_headers(
    client: httpx.AsyncClient, app_state: AppState, alice: Account
) -> None:
    secret = (await create_key(client, alice, scopes=["chat", "embeddings"]))["key"]
    for headers in (
        [(b"authorization", f"Bearer {secret}".encode())],
        [(b"x-api-key", secret.encode())],
    ):
        principal = await authenticate(app_state, credential_from_headers(headers))
        assert principal.auth_method == "api_key"
        assert principal.user_id == alice.user_id
        assert principal.scopes == frozenset({"chat", "embeddings"})
        assert principal.tier == "free"
        assert principal.role == "user"
    with pytest.raises(AuthenticationError):
        await authenticate(app_state, "sk-gw-" + "x" * 40)


async def test_key_checks_do_not_query_the_database_per_request(
    client: httpx.AsyncClient, app_state: AppState, alice: Account
) -> None:
    secret = (await create_key(client, alice))["key"]
    assert (await client.get("/_probe/chat", headers=bearer(secret))).status_code == 200  # warm
    with count_queries(app_state) as statements:
        for _ in range(20):
            response = await client.get("/_probe/chat", headers={"x-api-key": secret})
            assert response.status_code == 200
    assert statements == []
    # Unknown keys are cached negatively too: a flood of one bad key costs one query.
    bogus = "sk-gw-" + "y" * 40
    with count_queries(app_state) as statements:
        for _ in range(10):
            assert (await client.get("/_probe/chat", headers=bearer(bogus))).status_code == 401
    assert len(statements) == 1


@pytest.mark.parametrize(
    "malformed",
    ["sk-gw-", "sk-gw-short", "sk-gw-" + "y" * 41, "sk-gw-" + "y" * 39 + "!", "sk-gw-" + "é" * 40],
)
async def test_malformed_keys_are_refused_without_a_query_or_a_cache_entry(
    client: httpx.AsyncClient, app_state: AppState, malformed: str
) -> None:
    entries = len(app_state.auth.cache.keys)
    with count_queries(app_state) as statements:
        response = await client.get(
            "/_probe/chat", headers={"x-api-key": malformed.encode("latin-1")}
        )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"
    assert statements == []
    assert len(app_state.auth.cache.keys) == entries


async def test_last_used_is_recorded_off_the_request_path(
    client: httpx.AsyncClient, app_state: AppState, alice: Account
) -> None:
    created = await create_key(client, alice)
    for _ in range(5):
        await client.get("/_probe/chat", headers=bearer(created["key"]))
    listed = (await client.get("/users/me/api-keys", headers=alice.headers)).json()
    assert listed[0]["last_used_at"] is None  # not written by the requests themselves
    assert await app_state.auth.last_used.flush() == 1  # five uses, one coalesced write
    listed = (await client.get("/users/me/api-keys", headers=alice.headers)).json()
    assert listed[0]["last_used_at"] is not None


async def test_revocation_takes_effect_at_once_in_this_process(
    client: httpx.AsyncClient, alice: Account
) -> None:
    created = await create_key(client, alice)
    assert (await client.get("/_probe/chat", headers=bearer(created["key"]))).status_code == 200
    deleted = await client.delete(f"/users/me/api-keys/{created['id']}", headers=alice.headers)
    assert deleted.status_code == 204
    response = await client.get("/_probe/chat", headers=bearer(created["key"]))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "api_key_revoked"
    listed = await client.get("/users/me/api-keys?include_revoked=true", headers=alice.headers)
    assert listed.json()[0]["revoked_at"] is not None
    assert (await client.get("/users/me/api-keys", headers=alice.headers)).json() == []


async def test_one_user_cannot_see_or_revoke_another_users_keys(
    client: httpx.AsyncClient, alice: Account
) -> None:
    created = await create_key(client, alice)
    bob = await make_account(client, "bob@example.com")
    assert (await client.get("/users/me/api-keys", headers=bob.headers)).json() == []
    response = await client.delete(f"/users/me/api-keys/{created['id']}", headers=bob.headers)
    assert response.status_code == 404
    # Someone else's key and a key that never existed are indistinguishable.
    missing = await client.delete(f"/users/me/api-keys/{uuid.uuid4()}", headers=bob.headers)
    assert missing.json()["error"]["message"] == response.json()["error"]["message"]
    assert missing.json()["error"]["code"] == response.json()["error"]["code"]
    assert (await client.get("/_probe/chat", headers=bearer(created["key"]))).status_code == 200


@pytest.mark.parametrize(
    "key_id", ["not-a-uuid", "1", "%20", "00000000-0000-0000-0000-00000000000g"]
)
async def test_unparseable_key_id_is_422_not_500(
    client: httpx.AsyncClient, alice: Account, key_id: str
) -> None:
    response = await client.delete(f"/users/me/api-keys/{key_id}", headers=alice.headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["param"] == "key_id"


async def test_revoking_a_revoked_key_again_changes_nothing(
    client: httpx.AsyncClient, alice: Account
) -> None:
    created = await create_key(client, alice)
    url = f"/users/me/api-keys/{created['id']}"
    assert (await client.delete(url, headers=alice.headers)).status_code == 204
    first = await client.get("/users/me/api-keys?include_revoked=true", headers=alice.headers)
    assert (await client.delete(url, headers=alice.headers)).status_code == 204
    again = await client.get("/users/me/api-keys?include_revoked=true", headers=alice.headers)
    assert first.json()[0]["revoked_at"] == again.json()[0]["revoked_at"]


async def test_admin_scope_is_reserved_to_admins(
    client: httpx.AsyncClient, app_state: AppState, alice: Account
) -> None:
    refused = await client.post(
        "/users/me/api-keys", json={"name": "x", "scopes": ["admin"]}, headers=alice.headers
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "scope_not_allowed"
    root = await make_admin(client, app_state, "root@example.com")
    assert (await create_key(client, root, scopes=["admin"]))["scopes"] == ["admin"]


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"scopes": ["chat", "everything"]}, "scopes.1"),
        ({"scopes": []}, "scopes"),
        ({"expires_in_days": 0}, "expires_in_days"),
        ({"expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
        ({"name": ""}, "name"),
    ],
)
async def test_bad_key_requests_are_422(
    client: httpx.AsyncClient, alice: Account, body: dict[str, Any], param: str
) -> None:
    response = await client.post(
        "/users/me/api-keys", json={"name": "k", **body}, headers=alice.headers
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["param"] == param


async def test_expiring_key_reports_its_expiry(client: httpx.AsyncClient, alice: Account) -> None:
    created = await create_key(client, alice, expires_in_days=7)
    expires = datetime.fromisoformat(created["expires_at"])
    assert timedelta(days=6) < expires - datetime.now(UTC) <= timedelta(days=7)
    assert (await client.get("/_probe/chat", headers=bearer(created["key"]))).status_code == 200
