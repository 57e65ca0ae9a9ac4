"""Text PostgreSQL cannot store (NUL, lone surrogates) is a 400 naming the field, on every endpoint.

Before: a NUL byte gave HTTP 500 on login, register, PATCH /users/me, conversation titles, ``?q=``
searches, admin filters, /chat and API-key names, and a NUL model name poisoned the usage writer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from llm_gateway.app import create_app
from llm_gateway.fake_upstream import FakeUpstream
from llm_gateway.state import AppState
from tests.backends import Backend
from tests.integration.auth.helpers import Account, make_account, make_admin
from tests.integration.quotas.support import (
    ANTHROPIC_MASTER,
    MASTER,
    chat,
    quota_settings,
    write_registry,
)

NUL = "a\x00b"
SURROGATE = "a\ud800b"


@pytest.fixture
def app(backend: Backend, fake: FakeUpstream, tmp_path: Path) -> FastAPI:
    models = write_registry(tmp_path, fake.base_url)
    settings = quota_settings(
        backend, models, {"enterprise": {}}, tools={"code_executor_mode": "disabled"}
    )
    return create_app(settings)


@pytest.fixture
async def user(client: httpx.AsyncClient) -> Account:
    return await make_account(client, "user@example.com")


def _assert_refused(response: httpx.Response, field: str) -> None:
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["param"] == field
    assert field in error["message"]


def _json(body: dict[str, Any]) -> dict[str, Any]:
    """httpx sends a lone surrogate only if the JSON is encoded by hand (\\ud800 escape)."""
    return {
        "content": json.dumps(body).encode(),
        "headers": {"content-type": "application/json"},
    }


@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "surrogate"])
async def test_account_endpoints_refuse_unstorable_text(
    client: httpx.AsyncClient, user: Account, bad: str
) -> None:
    login = await client.post("/auth/login", **_json({"email": bad, "password": "x" * 12}))
    _assert_refused(login, "email")
    register = await client.post(
        "/auth/register",
        **_json({"email": "new@example.com", "password": "p" * 16, "display_name": bad}),
    )
    _assert_refused(register, "display_name")
    patch = await client.request(
        "PATCH", "/users/me", headers={**user.headers, "content-type": "application/json"},
        content=json.dumps({"display_name": bad}).encode(),
    )  # fmt: skip
    _assert_refused(patch, "display_name")
    key = await client.post(
        "/users/me/api-keys",
        headers={**user.headers, "content-type": "application/json"},
        content=json.dumps({"name": bad}).encode(),
    )
    _assert_refused(key, "name")


async def test_conversations_and_chat_refuse_nul(client: httpx.AsyncClient, user: Account) -> None:
    created = await client.post("/conversations", json={"title": NUL}, headers=user.headers)
    _assert_refused(created, "title")
    ok = await client.post("/conversations", json={"title": "fine"}, headers=user.headers)
    assert ok.status_code == 201, ok.text
    conversation = ok.json()["id"]
    renamed = await client.patch(
        f"/conversations/{conversation}", json={"title": NUL}, headers=user.headers
    )
    _assert_refused(renamed, "title")
    search = await client.get("/conversations", params={"q": NUL}, headers=user.headers)
    _assert_refused(search, "q")
    chat_reply = await client.post(
        "/chat", json={"message": NUL, "conversation_id": conversation}, headers=user.headers
    )
    _assert_refused(chat_reply, "message")


async def test_admin_filters_refuse_nul(client: httpx.AsyncClient, app_state: AppState) -> None:
    admin = await make_admin(client, app_state, "admin@example.com")
    users = await client.get("/admin/users", params={"q": NUL}, headers=admin.headers)
    _assert_refused(users, "q")
    usage = await client.get("/admin/usage", params={"model": NUL}, headers=admin.headers)
    _assert_refused(usage, "model")


async def test_proxy_endpoints_refuse_a_nul_model(client: httpx.AsyncClient) -> None:
    completions = await client.post("/v1/chat/completions", json=chat(model=NUL), headers=MASTER)
    _assert_refused(completions, "model")
    embeddings = await client.post(
        "/v1/embeddings", json={"model": NUL, "input": "hi"}, headers=MASTER
    )
    _assert_refused(embeddings, "model")
    messages = await client.post(
        "/v1/messages",
        json={"model": NUL, "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]},
        headers=ANTHROPIC_MASTER,
    )
    assert messages.status_code == 400
    assert "model" in messages.text


async def test_nul_inside_a_prompt_is_not_the_databases_business(
    client: httpx.AsyncClient,
) -> None:
    """The proxy stores no prompt text: a NUL in a message is passed on, not refused."""
    reply = await client.post("/v1/chat/completions", json=chat(text=NUL), headers=MASTER)
    assert reply.status_code == 200, reply.text
