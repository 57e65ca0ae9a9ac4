"""Admin routes: who may call them, user search, role/tier/active/overrides, key revocation."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from llm_gateway.app import create_app
from llm_gateway.fake_upstream import FakeUpstream
from llm_gateway.state import AppState
from tests.backends import Backend
from tests.integration.auth.helpers import bearer, create_key, make_account, make_admin
from tests.integration.quotas.support import MASTER, chat, quota_settings, write_registry

TIERS: dict[str, dict[str, Any]] = {
    "free": {"requests_per_minute": 50, "allowed_model_tiers": ["small"]},
    "pro": {"requests_per_minute": 100},
    "enterprise": {},
}
ROUTES = [
    ("GET", "/admin/models", None),
    ("GET", "/admin/usage", None),
    ("GET", "/admin/dashboard", None),
    ("GET", "/admin/users", None),
    ("PATCH", f"/admin/users/{uuid.uuid4()}", {"tier": "pro"}),
    ("POST", f"/admin/users/{uuid.uuid4()}/revoke-keys", None),
    ("PATCH", f"/admin/api-keys/{uuid.uuid4()}", {"overrides": {"max_concurrent": 1}}),
]


@pytest.fixture
def app(backend: Backend, fake: FakeUpstream, tmp_path: Path) -> FastAPI:
    return create_app(quota_settings(backend, write_registry(tmp_path, fake.base_url), TIERS))


async def _call(
    client: httpx.AsyncClient, method: str, path: str, body: object, headers: dict[str, str]
) -> httpx.Response:
    return await client.request(method, path, json=body, headers=headers)


async def test_admin_routes_refuse_everyone_but_admins(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    user = await make_account(client, "user@example.com")
    admin = await make_admin(client, app_state, "admin@example.com")
    chat_key = await create_key(client, admin, "chat-only", scopes=["chat"])
    admin_key = await create_key(client, admin, "ops", scopes=["admin"])
    user_key = await create_key(client, user, "mine", scopes=["chat"])
    for method, path, body in ROUTES:
        anonymous = await _call(client, method, path, body, {})
        assert anonymous.status_code == 401, path
        for headers in (user.headers, bearer(user_key["key"]), bearer(chat_key["key"])):
            refused = await _call(client, method, path, body, headers)
            assert refused.status_code == 403, (path, refused.text)
        for headers in (admin.headers, bearer(admin_key["key"]), MASTER):
            allowed = await _call(client, method, path, body, headers)
            assert allowed.status_code in (200, 404), (path, allowed.text)  # 404: random ids


async def test_search_and_paginate_users(client: httpx.AsyncClient, app_state: AppState) -> None:
    for i in range(5):
        await make_account(client, f"member{i}@corp.example")
    await make_account(client, "outsider@other.example")
    page = await client.get("/admin/users?q=corp.example&page_size=2", headers=MASTER)
    assert page.status_code == 200
    body = page.json()
    assert body["total"] == 5
    assert len(body["items"]) == 2
    assert all("corp.example" in u["email"] for u in body["items"])
    last = (await client.get("/admin/users?q=corp&page_size=2&page=3", headers=MASTER)).json()
    assert len(last["items"]) == 1
    seen = {u["email"] for u in body["items"]}
    assert not seen & {u["email"] for u in last["items"]}
    assert "password_hash" not in str(body)
    wildcard = (await client.get("/admin/users?q=%25", headers=MASTER)).json()
    assert wildcard["total"] == 0  # '%' is matched literally


async def test_patch_changes_tier_role_and_active(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    erin = await make_account(client, "erin@example.com")
    path = f"/admin/users/{erin.user_id}"
    changed = await client.patch(path, json={"tier": "pro", "role": "admin"}, headers=MASTER)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["tier"], changed.json()["role"]) == ("pro", "admin")
    jack = await make_account(client, "jack@example.com")
    off = await client.patch(
        f"/admin/users/{jack.user_id}", json={"is_active": False}, headers=MASTER
    )
    assert off.json()["is_active"] is False
    locked_out = await client.get("/users/me/usage", headers=jack.headers)
    assert locked_out.status_code in (401, 403)  # the accounts layer decides which
    last_admin = await client.patch(path, json={"role": "user"}, headers=MASTER)
    assert last_admin.status_code == 409  # the accounts rule: never leave no active admin


async def test_overrides_take_effect_and_can_be_cleared(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    frank = await make_account(client, "frank@example.com")
    path = f"/admin/users/{frank.user_id}"
    set_ = await client.patch(
        path,
        json={"overrides": {"requests_per_minute": 1, "allowed_aliases": ["big"]}},
        headers=MASTER,
    )
    assert set_.status_code == 200, set_.text
    assert set_.json()["overrides"]["requests_per_minute"] == 1
    big = await client.post("/v1/chat/completions", json=chat("big"), headers=frank.headers)
    assert big.status_code == 200, big.text  # the alias override opens a large model
    again = await client.post("/v1/chat/completions", json=chat(), headers=frank.headers)
    assert again.status_code == 429
    assert again.headers["x-ratelimit-limit-requests"] == "1"
    listed = (await client.get("/admin/users?q=frank", headers=MASTER)).json()["items"][0]
    assert listed["overrides"]["allowed_aliases"] == ["big"]
    cleared = await client.patch(
        path,
        json={"overrides": {"requests_per_minute": None, "allowed_aliases": None}},
        headers=MASTER,
    )
    assert cleared.json()["overrides"] is None
    back = await client.post("/v1/chat/completions", json=chat(), headers=frank.headers)
    assert back.status_code == 200
    assert back.headers["x-ratelimit-limit-requests"] == "50"


async def test_key_overrides_limit_only_that_key(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    gina = await make_account(client, "gina@example.com")
    key = await create_key(client, gina, "batch", scopes=["chat"])
    patched = await client.patch(
        f"/admin/api-keys/{key['id']}",
        json={"overrides": {"requests_per_minute": 1}},
        headers=MASTER,
    )
    assert patched.status_code == 200, patched.text
    by_key = bearer(key["key"])
    assert (await client.post("/v1/chat/completions", json=chat(), headers=by_key)).is_success
    refused = await client.post("/v1/chat/completions", json=chat(), headers=by_key)
    assert refused.status_code == 429
    assert "API key" in refused.json()["error"]["message"]
    by_jwt = await client.post("/v1/chat/completions", json=chat(), headers=gina.headers)
    assert by_jwt.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"overrides": {"requests_per_minute": -1}},
        {"overrides": {"monthly_budget_usd": -0.5}},
        {"overrides": {"tokens_per_day": "lots"}},
        {"overrides": {"max_concurrent": 1.5}},
        {"overrides": {"requests_per_hour": 5}},
        {"overrides": {"allowed_model_tiers": ["huge"]}},
        {"overrides": {"allowed_aliases": ["no-such-model"]}},
        {"overrides": {"monthly_budget_usd": "NaN"}},
        {"overrides": {"monthly_budget_usd": 1e308}},
        {"overrides": {"tokens_per_minute": 10**30}},
        {"overrides": {"requests_per_minute": True}},
        {"overrides": {"monthly_budget_usd": False}},
        {"overrides": {"monthly_budget_usd": "5"}},
        {"is_active": 1},
        {"is_active": "true"},
        {"overrides": {"allowed_aliases": "cheap"}},
        {"overrides": None, "tier": ""},
        {"overrides": []},
        {"tier": "platinum"},
        {"role": "owner"},
        {"is_active": "maybe"},
        {"colour": "blue"},
    ],
)
async def test_bad_patches_are_422(
    client: httpx.AsyncClient, app_state: AppState, body: dict[str, object]
) -> None:
    hank = await make_account(client, f"hank{uuid.uuid4().hex[:6]}@example.com")
    response = await client.patch(f"/admin/users/{hank.user_id}", json=body, headers=MASTER)
    assert response.status_code == 422, response.text


@pytest.mark.parametrize(("budget", "status"), [(False, 422), (True, 422), ("5", 422), (5, 200)])
async def test_key_budget_takes_numbers_only(
    client: httpx.AsyncClient, budget: object, status: int
) -> None:
    """Before: ``false`` was stored as a $0.00 budget, silently blocking the key."""
    owner = await make_account(client, f"ivy{uuid.uuid4().hex[:6]}@example.com")
    key = await create_key(client, owner, "batch", scopes=["chat"])
    body = {"overrides": {"monthly_budget_usd": budget}}
    response = await client.patch(f"/admin/api-keys/{key['id']}", json=body, headers=MASTER)
    assert response.status_code == status, response.text
    if status == 200:
        assert response.json()["overrides"]["monthly_budget_usd"] == 5.0


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", f"/admin/users/{uuid.uuid4()}", {"tier": "pro"}),
        ("PATCH", f"/admin/users/{uuid.uuid4()}", {"overrides": {"max_concurrent": 1}}),
        ("PATCH", "/admin/users/not-a-uuid", {"tier": "pro"}),
        ("POST", f"/admin/users/{uuid.uuid4()}/revoke-keys", None),
        ("PATCH", f"/admin/api-keys/{uuid.uuid4()}", {"overrides": {"max_concurrent": 1}}),
    ],
)
async def test_unknown_ids_are_404(
    client: httpx.AsyncClient, method: str, path: str, body: object
) -> None:
    response = await client.request(method, path, json=body, headers=MASTER)
    assert response.status_code == 404, response.text


async def test_revoke_keys_stops_every_key(client: httpx.AsyncClient, app_state: AppState) -> None:
    ivan = await make_account(client, "ivan@example.com")
    keys = [await create_key(client, ivan, f"k{i}", scopes=["chat"]) for i in range(2)]
    revoked = await client.post(f"/admin/users/{ivan.user_id}/revoke-keys", headers=MASTER)
    assert revoked.status_code == 200
    assert revoked.json() == {"user_id": str(ivan.user_id), "revoked": 2}
    for key in keys:
        response = await client.post(
            "/v1/chat/completions", json=chat(), headers=bearer(key["key"])
        )
        assert response.status_code == 401
    assert (await client.get("/users/me/usage", headers=ivan.headers)).status_code == 200


async def test_models_show_deployments_and_health(client: httpx.AsyncClient) -> None:
    body = (await client.get("/admin/models", headers=MASTER)).json()
    by_alias = {m["alias"]: m for m in body["models"]}
    assert set(by_alias) >= {"mini", "cheap", "big", "embed"}
    assert by_alias["big"]["tier"] == "large"
    deployment = by_alias["cheap"]["deployments"][0]
    assert deployment["healthy"] is True
    assert deployment["cooldown_remaining_s"] == 0
    assert "api_key" not in str(body)
