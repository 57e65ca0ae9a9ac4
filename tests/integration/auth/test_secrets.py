"""Secrets never leave: no password, hash, key or token in any response or log line.

Logs are captured as structured events *before* the redaction processor, so these tests prove
the code never hands a secret to the logger at all (redaction is only a second line of defence).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, MutableMapping
from typing import Any

import httpx
import pytest
import structlog
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import select
from structlog.testing import capture_logs

from llm_gateway.app import create_app
from llm_gateway.models.api_key import ApiKey
from llm_gateway.models.auth_tokens import RefreshToken
from llm_gateway.models.user import User
from llm_gateway.state import AppState
from tests.backends import Backend
from tests.integration.auth.helpers import PASSWORD, auth_settings, bearer, login, register

NEW_PASSWORD = "another quite long passphrase"


def _uncache_loggers() -> None:
    """Make module loggers pick up the capturing configuration.

    structlog caches each module logger on first use with the processors configured then;
    dropping the cache makes the next call bind against the current (capturing) configuration.
    """
    for name, module in list(sys.modules.items()):
        if not name.startswith("llm_gateway"):
            continue
        for value in list(vars(module).values()):
            if isinstance(value, structlog._config.BoundLoggerLazyProxy) and "bind" in vars(value):
                del value.bind


@pytest.fixture
def captured(client: httpx.AsyncClient) -> Iterator[list[MutableMapping[str, Any]]]:
    """Structured log events of the running app (after its start configured logging)."""
    _uncache_loggers()
    with capture_logs() as entries:
        yield entries
    _uncache_loggers()


def _production(backend: Backend) -> FastAPI:
    return create_app(
        auth_settings(
            backend,
            environment="production",
            security={
                "jwt_secret": "prod-jwt-secret-for-tests-0123456789abcdef",
                "api_key_pepper": "prod-pepper-for-tests-0123456789abcdefgh",
            },
            telemetry={"log_level": "DEBUG"},
        )
    )


@pytest.fixture
def app(backend: Backend) -> FastAPI:
    return _production(backend)


async def _every_flow(client: httpx.AsyncClient, state: AppState) -> tuple[list[str], list[str]]:
    """Run every account flow; return (secrets that exist, every response body seen)."""
    bodies: list[str] = []

    async def call(method: str, url: str, **kw: Any) -> httpx.Response:
        response = await client.request(method, url, **kw)
        bodies.append(response.text)
        return response

    await call("POST", "/auth/register", json={"email": "vic@example.com", "password": PASSWORD})
    tokens = (
        await call("POST", "/auth/login", json={"email": "vic@example.com", "password": PASSWORD})
    ).json()
    await call("POST", "/auth/login", json={"email": "vic@example.com", "password": "wrong-pass!"})
    auth = bearer(tokens["access_token"])
    created = (await call("POST", "/users/me/api-keys", json={"name": "k"}, headers=auth)).json()
    await call("GET", "/users/me/api-keys", headers=auth)
    await call("GET", "/users/me", headers=bearer(created["key"]))
    await call("GET", "/users/me", headers={"x-api-key": created["key"][:-1] + "0"})
    rotated = (
        await call("POST", "/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    ).json()
    await call("POST", "/auth/refresh", json={"refresh_token": tokens["refresh_token"]})  # reuse
    await call("POST", "/auth/password/forgot", json={"email": "vic@example.com"})
    await state.auth.tasks.join()
    await call(
        "POST",
        "/users/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=auth,
    )
    async with state.session_factory() as session:
        hashes = [
            *(await session.execute(select(User.password_hash))).scalars(),
            *(await session.execute(select(ApiKey.key_hash))).scalars(),
            *(await session.execute(select(RefreshToken.token_hash))).scalars(),
        ]
    secrets = [
        PASSWORD,
        NEW_PASSWORD,
        "wrong-pass!",
        tokens["access_token"],
        tokens["refresh_token"],
        rotated["refresh_token"],
        created["key"],
        *hashes,
    ]
    return secrets, bodies


async def test_no_secret_in_responses_or_logs(
    client: httpx.AsyncClient, app_state: AppState, captured: list[MutableMapping[str, Any]]
) -> None:
    secrets, bodies = await _every_flow(client, app_state)
    assert any(e.get("event") == "password reset sent" for e in captured)  # logs were captured
    logged = repr(captured)
    for secret in secrets:
        assert secret not in logged
    # After its creation response, no body carries the full key, and none carries a hash.
    key = secrets[6]
    assert sum(key in body for body in bodies) == 1
    for body in bodies:
        for value in secrets[7:]:
            assert value not in body
        assert "$argon2" not in body
        assert "password_hash" not in body
        assert "key_hash" not in body


async def test_log_notifier_redacts_the_reset_token_in_production(
    client: httpx.AsyncClient, app_state: AppState, captured: list[MutableMapping[str, Any]]
) -> None:
    await register(client, "wes@example.com")
    await client.post("/auth/password/forgot", json={"email": "wes@example.com"})
    await app_state.auth.tasks.join()
    [note] = [e for e in captured if e.get("event") == "notification"]
    assert note["to"] == "wes@example.com"
    assert "[redacted]" in note["body"]
    assert "pr-gw-" not in note["body"]


async def test_log_notifier_shows_the_token_in_dev(backend: Backend) -> None:
    dev = create_app(auth_settings(backend, environment="dev", telemetry={"log_level": "DEBUG"}))
    async with LifespanManager(dev, startup_timeout=30, shutdown_timeout=30) as manager:
        state: AppState = manager._state["app_state"]
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://dev") as client:
            await register(client, "xia@example.com")
            _uncache_loggers()
            with capture_logs() as entries:
                await client.post("/auth/password/forgot", json={"email": "xia@example.com"})
                await state.auth.tasks.join()
            _uncache_loggers()
            [note] = [e for e in entries if e.get("event") == "notification"]
            token = note["body"].split("token is:")[1].split()[0]
            reset = await client.post(
                "/auth/password/reset", json={"token": token, "new_password": NEW_PASSWORD}
            )
            assert reset.status_code == 204
            assert (await login(client, "xia@example.com", NEW_PASSWORD)).status_code == 200
