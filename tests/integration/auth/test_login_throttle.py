"""Password guessing locks out the guesser (account+IP, then IP), never the account's owner."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from llm_gateway.app import create_app
from tests.backends import Backend
from tests.integration.auth.helpers import PASSWORD, auth_settings, login, register

WRONG = "wrong password!!"
ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"

ClientFor = Callable[[str], AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def app(backend: Backend) -> FastAPI:
    security = {
        "login_max_attempts": 3,  # per account and IP
        "login_max_attempts_per_ip": 8,  # per IP, across accounts
        "login_free_failures": 3,  # no waits before the pair limit: the limits are tested here
    }
    return create_app(auth_settings(backend, security=security))


@pytest.fixture
def client_from(running_app: LifespanManager) -> ClientFor:
    """Clients of the running app that appear to come from a given IP address."""

    @asynccontextmanager
    async def open_client(ip: str) -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=running_app.app, client=(ip, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
            yield c

    return open_client


async def test_a_guesser_locks_out_itself_and_the_owner_still_logs_in(
    client_from: ClientFor,
) -> None:
    async with client_from(OWNER) as owner, client_from(ATTACKER) as attacker:
        assert (await register(owner, "olga@example.com")).status_code == 201
        for _ in range(3):
            assert (await login(attacker, "olga@example.com", WRONG)).status_code == 401
        blocked = await login(attacker, "olga@example.com")  # even the right password waits
        assert blocked.status_code == 429
        assert blocked.json()["error"]["code"] == "too_many_attempts"
        assert int(blocked.headers["Retry-After"]) >= 1
        assert (await login(owner, "olga@example.com")).status_code == 200


async def test_one_ip_cannot_lock_other_owners_out(client_from: ClientFor) -> None:
    emails = [f"user{i}@example.com" for i in range(2)]
    async with client_from(OWNER) as owner, client_from(ATTACKER) as attacker:
        for email in emails:
            assert (await register(owner, email)).status_code == 201
        for email in emails:
            statuses = [(await login(attacker, email, WRONG)).status_code for _ in range(4)]
            assert statuses == [401, 401, 401, 429]
        for email in emails:
            assert (await login(owner, email)).status_code == 200


async def test_the_per_ip_limit_spans_accounts(client_from: ClientFor) -> None:
    async with client_from(OWNER) as owner, client_from(ATTACKER) as attacker:
        assert (await register(owner, "pia@example.com")).status_code == 201
        # Eight attempts on eight accounts (known or not, counted alike): the IP's budget.
        for i in range(8):
            assert (await login(attacker, f"guess{i}@example.com", WRONG)).status_code == 401
        refused = await login(attacker, "pia@example.com", PASSWORD)
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "too_many_attempts"
        assert (await login(owner, "pia@example.com")).status_code == 200


async def test_the_right_password_forgives_the_pair(client_from: ClientFor) -> None:
    async with client_from(OWNER) as owner:
        assert (await register(owner, "quinn@example.com")).status_code == 201
        for _ in range(2):
            assert (await login(owner, "quinn@example.com", WRONG)).status_code == 401
        assert (await login(owner, "quinn@example.com")).status_code == 200
        statuses = [(await login(owner, "quinn@example.com", WRONG)).status_code for _ in range(3)]
        assert statuses == [401, 401, 401]
