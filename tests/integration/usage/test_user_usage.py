"""``GET /users/me/usage``: one's own usage only, breakdowns, live limits, and bad ranges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from llm_gateway.app import create_app
from llm_gateway.fake_upstream import FakeUpstream
from llm_gateway.state import AppState
from tests.backends import Backend
from tests.integration.auth.helpers import bearer, create_key, make_account
from tests.integration.quotas.support import MASTER, chat, quota_settings, write_registry

FREE = {
    "requests_per_minute": 10,
    "tokens_per_minute": 50_000,
    "tokens_per_day": 100_000,
    "monthly_budget_usd": 5.0,
    "max_concurrent": 2,
    "allowed_model_tiers": ["small"],
}


@pytest.fixture
def app(backend: Backend, fake: FakeUpstream, tmp_path: Path) -> FastAPI:
    models = write_registry(tmp_path, fake.base_url)
    tiers = {"free": FREE, "pro": {}, "enterprise": {}}
    return create_app(
        quota_settings(backend, models, tiers, quotas={"usage": {"flush_interval_s": 0.05}})
    )


async def test_users_see_only_their_own_usage(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    alice = await make_account(client, "alice@example.com")
    bob = await make_account(client, "bob@example.com")
    key = await create_key(client, alice, "cli", scopes=["chat"])
    for model in ("cheap", "cheap", "mini"):
        body = chat(model, max_tokens=2)  # "mini" output costs $0.25 a token
        ok = await client.post("/v1/chat/completions", json=body, headers=alice.headers)
        assert ok.status_code == 200, ok.text
    ok = await client.post("/v1/chat/completions", json=chat(), headers=bearer(key["key"]))
    assert ok.status_code == 200
    ok = await client.post("/v1/chat/completions", json=chat(), headers=bob.headers)
    assert ok.status_code == 200
    await client.post("/v1/chat/completions", json=chat(), headers=MASTER)
    assert await app_state.usage.wait_idle(10)

    mine = await client.get("/users/me/usage", headers=alice.headers)
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert body["user_id"] == str(alice.user_id)
    assert body["totals"]["requests"] == 4  # her JWT and her key; not Bob's, not the master's
    assert {m["model"]: m["requests"] for m in body["by_model"]} == {"cheap": 3, "mini": 1}
    assert [d["requests"] for d in body["by_day"]] == [4]
    assert body["totals"]["total_tokens"] == (
        body["totals"]["prompt_tokens"] + body["totals"]["completion_tokens"]
    )
    assert body["totals"]["cost_usd"] > 0
    theirs = (await client.get("/users/me/usage", headers=bob.headers)).json()
    assert theirs["totals"]["requests"] == 1
    # The key sees its owner's usage too.
    via_key = await client.get("/users/me/usage", headers=bearer(key["key"]))
    assert via_key.json()["totals"]["requests"] == 4


async def test_current_limits_show_what_remains(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    carol = await make_account(client, "carol@example.com")
    for _ in range(3):
        body = chat("mini", max_tokens=2)
        ok = await client.post("/v1/chat/completions", json=body, headers=carol.headers)
        assert ok.status_code == 200, ok.text
    assert await app_state.usage.wait_idle(10)
    (limits,) = (await client.get("/users/me/usage", headers=carol.headers)).json()["limits"]
    assert limits["tier"] == "free"
    assert limits["live"]
    assert limits["requests_per_minute"] == {"limit": 10, "used": 3, "remaining": 7}
    assert limits["max_concurrent"]["used"] == 0
    assert limits["monthly_budget_usd"]["used"] > 0
    assert limits["tokens_per_day"]["used"] > 0
    assert limits["allowed_model_tiers"] == ["small"]


async def test_free_users_cannot_call_large_models(client: httpx.AsyncClient) -> None:
    dave = await make_account(client, "dave@example.com")
    refused = await client.post("/v1/chat/completions", json=chat("big"), headers=dave.headers)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "model_not_allowed"


@pytest.mark.parametrize(
    "query",
    [
        "start=2026-03-05&end=2026-03-01",
        "start=1970-01-01&end=1970-01-02",
        "start=2000-01-01&end=2009-01-01",
        "start=not-a-date",
        "end=0001-01-01",
        "start=0001-01-01",
        "start=9999-12-31",
        "end=9999-12-31",
        f"end={(datetime.now(UTC) + timedelta(days=40)).date().isoformat()}",
    ],
)
async def test_bad_ranges_are_422(client: httpx.AsyncClient, query: str) -> None:
    response = await client.get(f"/users/me/usage?{query}", headers=MASTER)
    assert response.status_code == 422, response.text


async def test_usage_needs_credentials(client: httpx.AsyncClient) -> None:
    assert (await client.get("/users/me/usage")).status_code == 401
