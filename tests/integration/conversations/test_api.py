"""The /conversations API: owner-only CRUD, cursor pagination, title search, archive, delete."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from llm_gateway.app import create_app
from llm_gateway.core.database import session_scope
from llm_gateway.fake_upstream import FakeUpstream
from llm_gateway.models.usage import UsageRecord
from llm_gateway.state import AppState
from tests.backends import Backend
from tests.integration.auth.helpers import MASTER_KEY, Account, make_account
from tests.integration.chat.support import chat, chat_settings, registry_yaml


@pytest.fixture
async def fake() -> Any:
    async with FakeUpstream(seed=2) as server:
        yield server


@pytest.fixture
def app(backend: Backend, fake: FakeUpstream, tmp_path: Path) -> FastAPI:
    models_file = tmp_path / "models.yaml"
    models_file.write_text(registry_yaml(fake.base_url), encoding="utf-8")
    return create_app(chat_settings(backend, models_file, titles_enabled=False))


@pytest.fixture
async def alice(client: httpx.AsyncClient) -> Account:
    return await make_account(client, "alice@example.com")


@pytest.fixture
async def bob(client: httpx.AsyncClient) -> Account:
    return await make_account(client, "bob@example.com")


async def _create(client: httpx.AsyncClient, account: Account, **body: Any) -> dict[str, Any]:
    response = await client.post("/conversations", json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_create_read_update_delete(client: httpx.AsyncClient, alice: Account) -> None:
    created = await _create(client, alice, title="  Weekend   plans ", model="mini")
    assert created["title"] == "Weekend plans"
    assert created["model"] == "mini"
    assert created["archived"] is False
    url = f"/conversations/{created['id']}"
    assert (await client.get(url, headers=alice.headers)).json()["id"] == created["id"]
    patched = await client.patch(
        url, json={"title": "Holiday", "archived": True, "model": "auto"}, headers=alice.headers
    )
    assert patched.status_code == 200
    assert {k: patched.json()[k] for k in ("title", "archived", "model")} == {
        "title": "Holiday",
        "archived": True,
        "model": "auto",
    }
    assert (await client.delete(url, headers=alice.headers)).status_code == 204
    assert (await client.get(url, headers=alice.headers)).status_code == 404
    assert (await client.get(f"{url}/messages", headers=alice.headers)).status_code == 404


async def test_other_users_get_404_everywhere(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    created = await _create(client, alice, title="mine")
    url = f"/conversations/{created['id']}"
    for method, path, body in [
        ("GET", url, None),
        ("PATCH", url, {"title": "stolen"}),
        ("DELETE", url, None),
        ("GET", f"{url}/messages", None),
    ]:
        response = await client.request(method, path, json=body, headers=bob.headers)
        assert response.status_code == 404, (method, path)
        assert response.json()["error"]["code"] == "conversation_not_found"
    assert (await client.get("/conversations", headers=bob.headers)).json()["data"] == []
    assert (await client.get(url, headers=alice.headers)).json()["title"] == "mine"


async def test_unknown_model_is_refused_on_create_and_update(
    client: httpx.AsyncClient, alice: Account
) -> None:
    created = await client.post("/conversations", json={"model": "nope"}, headers=alice.headers)
    assert created.status_code == 404
    assert created.json()["error"]["code"] == "model_not_found"
    url = f"/conversations/{(await _create(client, alice, model='mini'))['id']}"
    patched = await client.patch(url, json={"model": "nope"}, headers=alice.headers)
    assert patched.status_code == 404
    assert patched.json()["error"]["code"] == "model_not_found"
    assert (await client.get(url, headers=alice.headers)).json()["model"] == "mini"


@pytest.mark.parametrize("conversation_id", [str(uuid.uuid4()), "nope", "1; DROP TABLE x"])
async def test_unknown_ids_are_404(
    client: httpx.AsyncClient, alice: Account, conversation_id: str
) -> None:
    response = await client.get(f"/conversations/{conversation_id}", headers=alice.headers)
    assert response.status_code == 404


async def test_pagination_newest_activity_first_with_signed_cursors(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    ids = [(await _create(client, alice, title=f"c{i}"))["id"] for i in range(5)]
    # New activity moves a conversation to the top.
    assert (
        await chat(client, alice.headers, conversation_id=ids[0], message="hi")
    ).status_code == 200
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/conversations", params=params, headers=alice.headers)).json()
        seen += [c["id"] for c in page["data"]]
        pages += 1
        cursor = page["next_cursor"]
        assert page["has_more"] is (cursor is not None)
        if cursor is None:
            break
        last_cursor = cursor
    assert pages == 3
    assert seen == [ids[0], ids[4], ids[3], ids[2], ids[1]]

    tampered = last_cursor[:-3] + ("AAA" if not last_cursor.endswith("AAA") else "BBB")
    for who, value in [(alice, tampered), (bob, last_cursor), (alice, "garbage")]:
        response = await client.get("/conversations", params={"cursor": value}, headers=who.headers)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_cursor"
    response = await client.get("/conversations", params={"limit": 0}, headers=alice.headers)
    assert response.status_code == 400


async def test_title_search_and_archive_filter(client: httpx.AsyncClient, alice: Account) -> None:
    await _create(client, alice, title="Rust borrow checker")
    await _create(client, alice, title="Sourdough 100% hydration")
    archived = await _create(client, alice, title="rusty bike repair")
    await client.patch(
        f"/conversations/{archived['id']}", json={"archived": True}, headers=alice.headers
    )

    async def titles(**params: Any) -> list[str]:
        page = await client.get("/conversations", params=params, headers=alice.headers)
        return sorted(c["title"] for c in page.json()["data"])

    assert await titles(q="RUST") == ["Rust borrow checker"]
    assert await titles(q="rust", archived="true") == ["rusty bike repair"]
    assert await titles(q="100%") == ["Sourdough 100% hydration"]
    assert await titles(q="%") == ["Sourdough 100% hydration"]  # a literal, not a wildcard


async def test_message_pages_in_order(client: httpx.AsyncClient, alice: Account) -> None:
    # Plainly conversational turns: the intent classifier reads bare number words ("three")
    # as arithmetic, and a tool turn would add tool messages to the conversation.
    turns = [
        "Tell me about the ocean.",
        "Write a haiku about autumn leaves.",
        "Recommend a good novel for a long flight.",
    ]
    first = (await chat(client, alice.headers, message=turns[0], stream=False)).json()
    conversation_id = first["conversation_id"]
    for text in turns[1:]:
        await chat(
            client, alice.headers, conversation_id=conversation_id, message=text, stream=False
        )
    url = f"/conversations/{conversation_id}/messages"
    page = (await client.get(url, params={"limit": 4}, headers=alice.headers)).json()
    rest = await client.get(
        url, params={"limit": 4, "cursor": page["next_cursor"]}, headers=alice.headers
    )
    messages = page["data"] + rest.json()["data"]
    assert [m["seq"] for m in messages] == [1, 2, 3, 4, 5, 6]
    assert [m["content"] for m in messages if m["role"] == "user"] == turns
    assert rest.json()["next_cursor"] is None


async def test_delete_is_hard_and_keeps_usage_records(
    client: httpx.AsyncClient, alice: Account, app_state: AppState
) -> None:
    body = (await chat(client, alice.headers, message="bill me", stream=False)).json()
    await app_state.usage.wait_idle()

    async def usage_rows() -> int:
        async with session_scope(app_state.session_factory) as session:
            query = select(func.count()).select_from(UsageRecord)
            return int(
                (await session.execute(query.where(UsageRecord.source == "chat"))).scalar_one()
            )

    assert await usage_rows() == 1
    url = f"/conversations/{body['conversation_id']}"
    assert (await client.delete(url, headers=alice.headers)).status_code == 204
    assert await usage_rows() == 1


async def test_master_key_and_anonymous_callers_are_refused(client: httpx.AsyncClient) -> None:
    master = await client.get("/conversations", headers={"Authorization": f"Bearer {MASTER_KEY}"})
    assert master.status_code == 403
    assert master.json()["error"]["code"] == "user_required"
    assert (await client.get("/conversations")).status_code == 401
