"""Registration, login (JSON and OAuth2 form), refresh rotation with reuse detection, logout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import select, update

from llm_gateway.app import create_app
from llm_gateway.core.database import session_scope
from llm_gateway.models.auth_tokens import RefreshToken
from llm_gateway.models.user import User
from llm_gateway.services.auth.passwords import PasswordService
from llm_gateway.state import AppState
from tests.backends import Backend
from tests.integration.auth.helpers import (
    PASSWORD,
    add_probe_routes,
    auth_settings,
    bearer,
    login,
    make_account,
    register,
)


@pytest.fixture
def app(backend: Backend) -> FastAPI:
    # A low per-account limit so the lockout test stays short.
    application = create_app(auth_settings(backend, security={"login_max_attempts": 3}))
    add_probe_routes(application)
    return application


def _error(response: httpx.Response) -> dict[str, str]:
    return response.json()["error"]  # type: ignore[no-any-return]


async def test_email_is_unique_case_insensitively(client: httpx.AsyncClient) -> None:
    assert (await register(client, "Dana@Example.com")).status_code == 201
    duplicate = await register(client, "  dana@EXAMPLE.com")
    assert duplicate.status_code == 409
    assert _error(duplicate)["code"] == "email_taken"
    assert (await login(client, "DANA@example.COM")).status_code == 200


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("short", "password_too_short"),
        ("password1234", "password_too_common"),
        ("erin.walker-is-great", "password_contains_email"),
    ],
)
async def test_weak_password_is_422_naming_the_rule(
    client: httpx.AsyncClient, password: str, rule: str
) -> None:
    response = await register(client, "erin.walker@example.com", password)
    assert response.status_code == 422
    assert _error(response)["code"] == rule
    assert _error(response)["param"] == "password"


async def test_invalid_email_is_422(client: httpx.AsyncClient) -> None:
    response = await register(client, "not-an-email")
    assert response.status_code == 422
    assert _error(response)["param"] == "email"


async def test_login_with_oauth2_form_as_swagger_sends_it(client: httpx.AsyncClient) -> None:
    await register(client, "form@example.com")
    response = await client.post(
        "/auth/login",
        data={"grant_type": "password", "username": "form@example.com", "password": PASSWORD},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert response.headers["cache-control"] == "no-store"
    assert (await client.get("/users/me", headers=bearer(body["access_token"]))).status_code == 200


async def test_login_rejects_other_media_types(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/auth/login", content=b"x", headers={"content-type": "text/plain"}
    )
    assert response.status_code == 415


async def test_unknown_email_and_wrong_password_look_identical(client: httpx.AsyncClient) -> None:
    await register(client, "frank@example.com")
    wrong_password = await login(client, "frank@example.com", "not the right one!")
    unknown_email = await login(client, "nobody@example.com", "not the right one!")
    assert wrong_password.status_code == unknown_email.status_code == 401
    strip = {"request_id"}
    assert {k: v for k, v in _error(wrong_password).items() if k not in strip} == {
        k: v for k, v in _error(unknown_email).items() if k not in strip
    }


async def test_repeated_failures_lock_the_account_with_retry_after(
    client: httpx.AsyncClient,
) -> None:
    await register(client, "gina@example.com")
    for _ in range(3):
        assert (await login(client, "gina@example.com", "wrong password!!")).status_code == 401
    locked = await login(client, "gina@example.com")  # even the right password now waits
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) >= 1
    assert _error(locked)["code"] == "too_many_attempts"
    # Unknown accounts are limited exactly the same way: no existence oracle.
    for _ in range(3):
        await login(client, "ghost@example.com", "wrong password!!")
    assert (await login(client, "ghost@example.com", "wrong password!!")).status_code == 429


async def test_refresh_rotates_and_reuse_revokes_the_family(client: httpx.AsyncClient) -> None:
    account = await make_account(client, "hank@example.com")
    first = await client.post("/auth/refresh", json={"refresh_token": account.refresh})
    assert first.status_code == 200
    rotated = first.json()
    assert rotated["refresh_token"] != account.refresh
    # The thief replays the old token: refused, and the whole family dies with it.
    replay = await client.post("/auth/refresh", json={"refresh_token": account.refresh})
    assert replay.status_code == 401
    assert _error(replay)["code"] == "refresh_token_reused"
    legit = await client.post("/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert legit.status_code == 401
    # Access tokens of the revoked session stop too.
    me = await client.get("/users/me", headers=bearer(rotated["access_token"]))
    assert me.status_code == 401
    assert _error(me)["code"] == "token_revoked"
    # Other sessions of the same user are untouched.
    other = (await login(client, "hank@example.com")).json()
    assert (await client.get("/users/me", headers=bearer(other["access_token"]))).status_code == 200


async def test_garbage_refresh_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post("/auth/refresh", json={"refresh_token": "rt-gw-nonsense"})
    assert response.status_code == 401
    assert _error(response)["code"] == "invalid_refresh_token"


async def test_an_expired_refresh_token_is_refused(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    account = await make_account(client, "ivan@example.com")
    async with session_scope(app_state.session_factory) as session:
        await session.execute(
            update(RefreshToken)
            .where(RefreshToken.user_id == account.user_id)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    response = await client.post("/auth/refresh", json={"refresh_token": account.refresh})
    assert response.status_code == 401
    assert _error(response)["code"] == "invalid_refresh_token"


async def test_logout_revokes_access_token_and_refresh_family(client: httpx.AsyncClient) -> None:
    account = await make_account(client, "ivy@example.com")
    other = (await login(client, "ivy@example.com")).json()
    assert (await client.post("/auth/logout", headers=account.headers)).status_code == 204
    assert (await client.get("/users/me", headers=account.headers)).status_code == 401
    refreshed = await client.post("/auth/refresh", json={"refresh_token": account.refresh})
    assert refreshed.status_code == 401
    assert (await client.get("/users/me", headers=bearer(other["access_token"]))).status_code == 200


async def test_logout_everywhere_ends_every_session(client: httpx.AsyncClient) -> None:
    account = await make_account(client, "jack@example.com")
    other = (await login(client, "jack@example.com")).json()
    response = await client.post(
        "/auth/logout", json={"all_sessions": True}, headers=account.headers
    )
    assert response.status_code == 204
    assert (await client.get("/users/me", headers=bearer(other["access_token"]))).status_code == 401
    again = await client.post("/auth/refresh", json={"refresh_token": other["refresh_token"]})
    assert again.status_code == 401


async def test_password_change_ends_old_sessions_and_returns_a_new_one(
    client: httpx.AsyncClient,
) -> None:
    account = await make_account(client, "kate@example.com")
    new_password = "a brand new passphrase"
    changed = await client.post(
        "/users/me/password",
        json={"current_password": PASSWORD, "new_password": new_password},
        headers=account.headers,
    )
    assert changed.status_code == 200, changed.text
    assert (await client.get("/users/me", headers=account.headers)).status_code == 401
    fresh = bearer(changed.json()["access_token"])
    assert (await client.get("/users/me", headers=fresh)).status_code == 200
    assert (await login(client, "kate@example.com")).status_code == 401
    assert (await login(client, "kate@example.com", new_password)).status_code == 200


async def test_password_change_checks_the_policy(client: httpx.AsyncClient) -> None:
    account = await make_account(client, "leo@example.com")
    response = await client.post(
        "/users/me/password",
        json={"current_password": PASSWORD, "new_password": "qwertyuiop"},
        headers=account.headers,
    )
    assert response.status_code == 422
    assert (_error(response)["code"], _error(response)["param"]) == (
        "password_too_common",
        "new_password",
    )


async def test_profile_update_and_email_change_need_the_password(
    client: httpx.AsyncClient,
) -> None:
    account = await make_account(client, "mia@example.com")
    await register(client, "taken@example.com")
    renamed = await client.patch("/users/me", json={"display_name": "Mia"}, headers=account.headers)
    assert renamed.json()["display_name"] == "Mia"
    no_password = await client.patch(
        "/users/me", json={"email": "mia2@example.com"}, headers=account.headers
    )
    assert _error(no_password)["code"] == "invalid_current_password"
    taken = await client.patch(
        "/users/me",
        json={"email": "TAKEN@example.com", "current_password": PASSWORD},
        headers=account.headers,
    )
    assert taken.status_code == 409
    moved = await client.patch(
        "/users/me",
        json={"email": "mia2@example.com", "current_password": PASSWORD},
        headers=account.headers,
    )
    assert moved.json()["email"] == "mia2@example.com"
    assert (await login(client, "mia2@example.com")).status_code == 200


async def test_login_rehashes_when_argon2_parameters_change(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    await register(client, "ned@example.com")
    stronger = PasswordService(
        app_state.settings.security.model_copy(update={"argon2_time_cost": 2})
    )
    app_state.auth.passwords = stronger  # an operator raised the cost and restarted
    assert (await login(client, "ned@example.com")).status_code == 200
    async with app_state.session_factory() as session:
        stored = (await session.execute(select(User.password_hash))).scalar_one()
    assert "t=2" in stored
    assert (await login(client, "ned@example.com")).status_code == 200


async def test_registration_can_be_disabled(backend: Backend) -> None:
    closed = create_app(auth_settings(backend, auth={"allow_registration": False}))
    async with LifespanManager(closed, startup_timeout=30, shutdown_timeout=30) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            response = await register(c, "olga@example.com")
    assert response.status_code == 403
    assert _error(response)["code"] == "registration_disabled"


def test_openapi_offers_password_login_for_swaggers_authorize_button(app: FastAPI) -> None:
    spec = app.openapi()
    schemes = spec["components"]["securitySchemes"]
    oauth2 = next(s for s in schemes.values() if s["type"] == "oauth2")
    assert oauth2["flows"]["password"]["tokenUrl"] == "/auth/login"
    assert any(s.get("name") == "x-api-key" for s in schemes.values())
    login_body = spec["paths"]["/auth/login"]["post"]["requestBody"]["content"]
    assert {"application/json", "application/x-www-form-urlencoded"} <= set(login_body)
    assert spec["paths"]["/users/me"]["get"]["security"]
