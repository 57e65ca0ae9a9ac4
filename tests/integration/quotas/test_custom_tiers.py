"""Tiers are what the settings define: a custom tier can be assigned and its limits apply."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from llm_gateway.app import create_app
from llm_gateway.cli.main import main
from llm_gateway.fake_upstream import FakeUpstream
from llm_gateway.state import AppState
from tests.backends import Backend
from tests.integration.auth.helpers import make_account
from tests.integration.quotas.support import MASTER, chat, quota_settings, write_registry

# "team" exists only in these settings: no code or schema knows the name.
TIERS: dict[str, dict[str, Any]] = {
    "free": {"requests_per_minute": 50, "allowed_model_tiers": ["small"]},
    "team": {"requests_per_minute": 2},
    "enterprise": {},
}
VALID = "configured tiers: enterprise, free, team"


@pytest.fixture
def registration_tier() -> str | None:
    """``LLMGW_AUTH__DEFAULT_TIER``; tests parametrize it to change the registration tier."""
    return None


@pytest.fixture
def app(
    backend: Backend, fake: FakeUpstream, tmp_path: Path, registration_tier: str | None
) -> FastAPI:
    models = write_registry(tmp_path, fake.base_url)
    return create_app(
        quota_settings(backend, models, TIERS, auth={"default_tier": registration_tier})
    )


async def _tier_in_db(client: httpx.AsyncClient, email: str) -> str:
    listed = await client.get("/admin/users", params={"q": email}, headers=MASTER)
    tier: str = listed.json()["items"][0]["tier"]
    return tier


async def test_an_admin_assigns_a_custom_tier_and_its_limits_apply(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    lena = await make_account(client, "lena@example.com")
    assert (await client.get("/users/me", headers=lena.headers)).json()["tier"] == "free"
    big = await client.post("/v1/chat/completions", json=chat("big"), headers=lena.headers)
    assert big.status_code == 403  # free: small models only

    patched = await client.patch(
        f"/admin/users/{lena.user_id}", json={"tier": "team"}, headers=MASTER
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["tier"] == "team"
    assert (await client.get("/users/me", headers=lena.headers)).json()["tier"] == "team"
    for _ in range(2):  # team: every model, two requests a minute
        ok = await client.post("/v1/chat/completions", json=chat("big"), headers=lena.headers)
        assert ok.status_code == 200, ok.text
        assert ok.headers["x-ratelimit-limit-requests"] == "2"
    refused = await client.post("/v1/chat/completions", json=chat(), headers=lena.headers)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limit_exceeded"
    usage = (await client.get("/users/me/usage", headers=lena.headers)).json()
    assert "team" in json.dumps(usage)  # the usage API reports the limits of the new tier


@pytest.mark.parametrize("tier", ["platinum", "Team", "a-tier-name-far-too-long-to-store"])
async def test_an_unknown_tier_is_refused_naming_the_valid_ones(
    client: httpx.AsyncClient, app_state: AppState, tier: str
) -> None:
    max_ = await make_account(client, "max@example.com")
    response = await client.patch(
        f"/admin/users/{max_.user_id}", json={"tier": tier, "role": "admin"}, headers=MASTER
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert (error["code"], error["param"]) == ("invalid_tier", "tier")
    assert f"unknown tier '{tier}'" in error["message"]
    assert VALID in error["message"]
    assert await _tier_in_db(client, "max@example.com") == "free"
    me = (await client.get("/users/me", headers=max_.headers)).json()
    assert me["role"] == "user"  # nothing of the refused patch was applied


@pytest.mark.parametrize("registration_tier", ["team"])
async def test_registration_gives_the_configured_default_tier(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    nora = await make_account(client, "nora@example.com")
    assert (await client.get("/users/me", headers=nora.headers)).json()["tier"] == "team"
    ok = await client.post("/v1/chat/completions", json=chat(), headers=nora.headers)
    assert ok.headers["x-ratelimit-limit-requests"] == "2"


async def test_the_cli_sets_only_configured_tiers(
    client: httpx.AsyncClient,
    app_state: AppState,
    backend: Backend,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The CLI reads only the environment: point it at this app's database, store and tiers.
    monkeypatch.setenv("LLMGW_ENVIRONMENT", "test")
    monkeypatch.setenv("LLMGW_DATABASE_URL", backend.database_url)
    if backend.redis_url:
        monkeypatch.setenv("LLMGW_REDIS_URL", backend.redis_url)
    monkeypatch.setenv("LLMGW_STORE__NAMESPACE", app_state.settings.store.namespace)
    monkeypatch.setenv("LLMGW_QUOTAS__TIERS", json.dumps(TIERS))
    await make_account(client, "omar@example.com")

    def cli(*argv: str) -> int:
        return main(["users", "set-tier", "--email", "omar@example.com", *argv])

    assert await asyncio.to_thread(cli, "--tier", "team") == 0
    assert "tier=team" in capsys.readouterr().out
    assert await _tier_in_db(client, "omar@example.com") == "team"
    assert await asyncio.to_thread(cli, "--tier", "gold") == 1
    assert f"unknown tier 'gold'; {VALID}" in capsys.readouterr().err
    assert await _tier_in_db(client, "omar@example.com") == "team"
