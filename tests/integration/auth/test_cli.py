"""The account CLI: create-admin and users promote/demote/deactivate/activate."""

from __future__ import annotations

import asyncio
import io
import time

import httpx
import pytest

from llm_gateway.cli.main import main
from llm_gateway.state import AppState
from tests.backends import Backend
from tests.integration.auth.helpers import FAST_SECURITY, PASSWORD, bearer, login, make_account

ADMIN_EMAIL = "ops@example.com"


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, backend: Backend, app_state: AppState) -> None:
    """Point the CLI (which reads only the environment) at the running app's database and store."""
    monkeypatch.setenv("LLMGW_ENVIRONMENT", "test")
    monkeypatch.setenv("LLMGW_DATABASE_URL", backend.database_url)
    if backend.redis_url:
        monkeypatch.setenv("LLMGW_REDIS_URL", backend.redis_url)
    monkeypatch.setenv("LLMGW_STORE__NAMESPACE", app_state.settings.store.namespace)
    for field, value in FAST_SECURITY.items():
        monkeypatch.setenv(f"LLMGW_SECURITY__{field.upper()}", str(value))
    monkeypatch.setenv("LLMGW_AUTH__ADMIN_PASSWORD", PASSWORD)


async def _cli(*argv: str) -> int:
    # The CLI runs its own event loop (asyncio.run), so give it a thread.
    return await asyncio.to_thread(main, list(argv))


@pytest.mark.usefixtures("cli_env")
async def test_create_admin_from_the_environment(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await _cli("create-admin", "--email", ADMIN_EMAIL) == 0
    assert "created admin ops@example.com" in capsys.readouterr().out
    tokens = (await login(client, ADMIN_EMAIL)).json()
    admin_only = await client.get("/_probe/admin", headers=bearer(tokens["access_token"]))
    assert admin_only.status_code == 200
    assert await _cli("create-admin", "--email", "OPS@example.com") == 0  # idempotent
    assert "already exists" in capsys.readouterr().out


@pytest.mark.usefixtures("cli_env")
async def test_create_admin_with_password_on_stdin_checks_the_policy(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("password123\n"))
    assert await _cli("create-admin", "--email", ADMIN_EMAIL, "--password-stdin") == 1
    assert "too common" in capsys.readouterr().err


@pytest.mark.usefixtures("cli_env")
async def test_create_admin_refuses_an_existing_regular_user(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    await make_account(client, "user@example.com")
    assert await _cli("create-admin", "--email", "user@example.com") == 1
    assert "users promote" in capsys.readouterr().err


@pytest.mark.usefixtures("cli_env")
async def test_users_commands_change_access(
    client: httpx.AsyncClient, backend: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await _cli("create-admin", "--email", ADMIN_EMAIL) == 0
    user = await make_account(client, "zoe@example.com")
    assert (await client.get("/_probe/admin", headers=user.headers)).status_code == 403

    assert await _cli("users", "promote", "--email", "zoe@example.com") == 0
    assert "role=admin" in capsys.readouterr().out
    assert await _cli("users", "deactivate", "--email", "ZOE@example.com") == 0
    assert (await login(client, "zoe@example.com")).status_code == 403
    if backend.redis_url:
        # The running gateway heard about it through Redis and dropped its cached state.
        deadline = time.monotonic() + 1.0
        while (await client.get("/users/me", headers=user.headers)).status_code != 403:
            assert time.monotonic() < deadline, "deactivation did not reach the running gateway"
            await asyncio.sleep(0.02)
    assert await _cli("users", "activate", "--email", "zoe@example.com") == 0
    assert await _cli("users", "demote", "--email", "zoe@example.com") == 0
    assert (await login(client, "zoe@example.com")).status_code == 200


@pytest.mark.usefixtures("cli_env")
async def test_users_command_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert await _cli("users", "promote", "--email", "ghost@example.com") == 1
    assert "No user with e-mail ghost@example.com" in capsys.readouterr().err
    assert await _cli("create-admin", "--email", ADMIN_EMAIL) == 0
    assert await _cli("users", "demote", "--email", ADMIN_EMAIL) == 1
    assert "last active admin" in capsys.readouterr().err
