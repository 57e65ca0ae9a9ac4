"""Fallbacks respect the caller's allowed models: a cooldown never serves a forbidden model.

Before: while ``demo`` cooled down, a free-tier user asking for it was served by ``demo-large``
through the fallback chain and charged for it, though asking for ``demo-large`` directly is 403.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from llm_gateway.app import create_app
from llm_gateway.fake_upstream import FakeUpstream
from llm_gateway.state import AppState
from tests.backends import Backend
from tests.integration.auth.helpers import login, make_account, set_access
from tests.integration.quotas.support import chat, quota_settings


def _registry(base: str) -> str:
    api = f"base_url: '{base}/v1'"
    return f"""
version: 1
defaults: {{small: [demo], large: [demo-large]}}
aliases:
  demo:
    tier: small
    price: {{input: 1.0, output: 2.0}}
    deployments: [{{provider: openai, model: demo, {api}}}]
    fallbacks: [demo-large]
  demo-large:
    tier: large
    price: {{input: 10.0, output: 30.0}}
    deployments: [{{provider: openai, model: demo-large, {api}}}]
"""


@pytest.fixture
def app(backend: Backend, fake: FakeUpstream, tmp_path: Path) -> FastAPI:
    models = tmp_path / "models.yaml"
    models.write_text(_registry(fake.base_url), encoding="utf-8")
    tiers = {
        "free": {"allowed_model_tiers": ["small"], "monthly_budget_usd": 5.0},
        "pro": {"monthly_budget_usd": 200.0},
    }
    return create_app(
        quota_settings(
            backend,
            models,
            tiers,
            tools={"code_executor_mode": "disabled"},
        )
    )


async def _cool_down(state: AppState, alias: str) -> None:
    deployment = state.models.get(alias).deployments[0].id
    for _ in range(state.settings.providers.cooldown_failures):
        await state.router.cooldowns.record_failure(deployment)
    assert state.router.cooldowns.remaining_s(deployment) > 0


async def test_a_free_user_is_not_served_by_a_forbidden_fallback(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    free = await make_account(client, "free@example.com")
    pro = await make_account(client, "pro@example.com")
    await set_access(app_state, pro.user_id, tier="pro")
    pro_headers = {
        "authorization": f"Bearer {(await login(client, pro.email)).json()['access_token']}"
    }
    direct = await client.post(
        "/v1/chat/completions", json=chat("demo-large"), headers=free.headers
    )
    assert direct.status_code == 403
    await _cool_down(app_state, "demo")

    refused = await client.post("/v1/chat/completions", json=chat("demo"), headers=free.headers)
    assert refused.status_code == 503, refused.text
    assert refused.headers.get("x-gateway-model") != "demo-large"
    usage = (await client.get("/users/me/usage", headers=free.headers)).json()
    assert usage["totals"]["cost_usd"] == 0.0  # not charged for a model it may not use

    served = await client.post("/v1/chat/completions", json=chat("demo"), headers=pro_headers)
    assert served.status_code == 200, served.text  # the fallback still works for who may use it


AGENT_CALLS = {
    "auto": ("/v1/chat/completions", chat("auto")),
    "auto-stream": ("/v1/chat/completions", chat("auto", stream=True)),
    "chat": ("/chat", {"message": "hello there", "model": "auto", "stream": False}),
    "chat-alias": ("/chat", {"message": "hello there", "model": "demo", "stream": False}),
}


@pytest.mark.parametrize("call", list(AGENT_CALLS))
async def test_the_agent_and_chat_skip_a_forbidden_fallback_too(
    client: httpx.AsyncClient, app_state: AppState, call: str
) -> None:
    """The agent's model calls go through the router's configured fallbacks as well: they are
    filtered by the same allowed models (``auto``, and ``/chat`` with or without an alias)."""
    free = await make_account(client, "free@example.com")
    pro = await make_account(client, "pro@example.com")
    await set_access(app_state, pro.user_id, tier="pro")
    pro_headers = {
        "authorization": f"Bearer {(await login(client, pro.email)).json()['access_token']}"
    }
    path, body = AGENT_CALLS[call]
    await _cool_down(app_state, "demo")

    refused = await client.post(path, json=body, headers=free.headers)
    assert refused.status_code == 503, refused.text
    assert "demo-large" not in refused.text
    assert refused.headers.get("x-gateway-model") != "demo-large"
    usage = (await client.get("/users/me/usage", headers=free.headers)).json()
    assert usage["totals"]["cost_usd"] == 0.0

    served = await client.post(path, json=body, headers=pro_headers)
    assert served.status_code == 200, served.text
    assert "demo-large" in served.text  # the fallback still serves who may use it
