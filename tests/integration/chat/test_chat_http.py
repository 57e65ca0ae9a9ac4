"""POST /chat over HTTP: SSE events, JSON mode, persistence, multi-turn context and bad input."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import orjson
import pytest
from httpx_sse import aconnect_sse
from sqlalchemy import select

from llm_gateway.core.database import session_scope
from llm_gateway.fake_upstream import Behaviour, FakeUpstream
from llm_gateway.models.usage import UsageRecord
from llm_gateway.state import AppState
from tests.integration.auth.helpers import MASTER_KEY, Account
from tests.integration.chat.support import chat, chat_events


async def _messages(
    client: httpx.AsyncClient, account: Account, conversation_id: str
) -> list[dict[str, Any]]:
    response = await client.get(
        f"/conversations/{conversation_id}/messages", headers=account.headers
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


async def test_sse_turn_streams_typed_events_and_stores_both_messages(
    client: httpx.AsyncClient, alice: Account
) -> None:
    async with aconnect_sse(
        client, "POST", "/chat", json={"message": "hello there"}, headers=alice.headers
    ) as source:
        assert source.response.headers["x-accel-buffering"] == "no"
        assert source.response.headers["cache-control"] == "no-store"  # account data: never stored
        events = [(sse.event, orjson.loads(sse.data)) async for sse in source.aiter_sse()]

    names = [name for name, _ in events]
    assert names[0] == "meta"
    assert names[-1] == "done"
    assert "token" in names
    meta, done = events[0][1], events[-1][1]
    assert meta["model"] == "mini"
    assert meta["intent"]["label"] == "general"
    text = "".join(data["text"] for name, data in events if name == "token")
    assert text == "You said: hello there"
    assert done["usage"]["completion_tokens"] > 0
    assert done["finish_reason"] == "stop"
    assert done["message_id"] == meta["message_id"]

    stored = await _messages(client, alice, meta["conversation_id"])
    assert [(m["role"], m["status"]) for m in stored] == [
        ("user", "complete"),
        ("assistant", "complete"),
    ]
    assert stored[0]["id"] == meta["user_message_id"]
    assert stored[1]["id"] == meta["message_id"]
    assert stored[1]["content"] == text
    assert stored[1]["model"] == "mini"
    assert stored[0]["token_count"] > 0


async def test_multi_turn_conversation_keeps_context(
    client: httpx.AsyncClient, alice: Account
) -> None:
    first = await chat_events(client, alice.headers, message="My favourite colour is teal.")
    conversation_id = first[0].data["conversation_id"]
    second = await chat_events(
        client, alice.headers, conversation_id=conversation_id, message="echo: what did I say?"
    )
    assert second[0].data["conversation_id"] == conversation_id
    echoed = orjson.loads("".join(e.data["text"] for e in second if e.event == "token"))
    seen = [(m["role"], m["content"]) for m in echoed["messages"]]
    assert seen == [
        ("user", "My favourite colour is teal."),
        ("assistant", "You said: My favourite colour is teal."),
        ("user", "echo: what did I say?"),
    ]


async def test_json_mode_returns_one_body(client: httpx.AsyncClient, alice: Account) -> None:
    response = await chat(client, alice.headers, message="ping", stream=False)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "complete"
    assert body["content"] == "You said: ping"
    assert body["model"] == "mini"
    assert body["usage"]["total_tokens"] > 0
    stored = await _messages(client, alice, body["conversation_id"])
    assert [m["id"] for m in stored] == [body["user_message_id"], body["message_id"]]


async def test_another_user_can_neither_read_nor_append(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    body = (await chat(client, alice.headers, message="secret plans", stream=False)).json()
    conversation_id = body["conversation_id"]
    appended = await chat(client, bob.headers, conversation_id=conversation_id, message="hi")
    assert appended.status_code == 404
    assert appended.json()["error"]["code"] == "conversation_not_found"
    assert (
        await client.get(f"/conversations/{conversation_id}", headers=bob.headers)
    ).status_code == 404
    assert len(await _messages(client, alice, conversation_id)) == 2


@pytest.mark.parametrize("conversation_id", [str(uuid.uuid4()), "not-a-uuid"])
async def test_unknown_conversation_is_404(
    client: httpx.AsyncClient, alice: Account, conversation_id: str
) -> None:
    response = await chat(client, alice.headers, conversation_id=conversation_id, message="hi")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "conversation_not_found"


@pytest.mark.parametrize("message", ["", "   \n\t "])
async def test_empty_message_is_422(
    client: httpx.AsyncClient, alice: Account, message: str
) -> None:
    response = await chat(client, alice.headers, message=message)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "empty_message"
    listed = await client.get("/conversations", headers=alice.headers)
    assert listed.json()["data"] == []


async def test_oversized_message_is_422_naming_the_limit(
    client: httpx.AsyncClient, alice: Account, app_state: AppState
) -> None:
    limit = app_state.settings.chat.max_message_chars
    response = await chat(client, alice.headers, message="x" * (limit + 1))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "message_too_long"
    assert str(limit) in error["message"]


async def test_master_key_cannot_chat(client: httpx.AsyncClient) -> None:
    response = await chat(client, {"Authorization": f"Bearer {MASTER_KEY}"}, message="hi")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "user_required"
    assert (await chat(client, {}, message="hi")).status_code == 401


async def test_unknown_model_is_404_before_anything_is_stored(
    client: httpx.AsyncClient, alice: Account
) -> None:
    response = await chat(client, alice.headers, message="hi", model="no-such-model")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "model_not_found"
    assert (await client.get("/conversations", headers=alice.headers)).json()["data"] == []


async def test_upstream_failure_mid_stream_keeps_partial_reply(
    client: httpx.AsyncClient, alice: Account, fake: FakeUpstream, app_state: AppState
) -> None:
    # A long answer cut after 200 chunks: past the output guard's look-ahead window.
    fake.script("gpt-4o-mini", Behaviour("disconnect", after_chunks=200), reply_words=400)
    events = await chat_events(client, alice.headers, message="tell me a long story please")
    assert events[-1].event == "error"
    error = events[-1].data
    assert error["status"] == "partial"
    streamed = "".join(e.data["text"] for e in events if e.event == "token")
    assert streamed
    stored = await _messages(client, alice, error["conversation_id"])
    assert stored[-1]["status"] == "partial"
    assert stored[-1]["content"] == streamed
    assert stored[-1]["error"]
    # The cut-off reply was billed upstream: it counts against tokens and cost budgets too.
    await app_state.usage.wait_idle()
    async with session_scope(app_state.session_factory) as session:
        record = (
            await session.scalars(select(UsageRecord).where(UsageRecord.source == "chat"))
        ).one()
    assert record.completion_tokens > 0
    assert record.cost_usd > 0


async def test_upstream_failure_before_output_is_an_error_with_ids(
    client: httpx.AsyncClient, alice: Account, fake: FakeUpstream
) -> None:
    fake.script("gpt-4o-mini", Behaviour("status", status=500, message="boom"))
    response = await chat(
        client, alice.headers, message="Write a short poem about autumn.", stream=False
    )
    assert response.status_code >= 500
    conversation_id = response.headers["x-conversation-id"]
    stored = await _messages(client, alice, conversation_id)
    assert [(m["role"], m["status"]) for m in stored] == [
        ("user", "complete"),
        ("assistant", "error"),
    ]
    # The failed reply is not shown to the model on the next turn.
    events = await chat_events(
        client, alice.headers, conversation_id=conversation_id, message="echo: again"
    )
    echoed = orjson.loads("".join(e.data["text"] for e in events if e.event == "token"))
    assert [m["role"] for m in echoed["messages"]] == ["user", "user"]


async def test_title_is_generated_after_the_first_exchange_and_rename_wins(
    client: httpx.AsyncClient, alice: Account, app_state: AppState
) -> None:
    body = (await chat(client, alice.headers, message="Plan a trip to Lisbon", stream=False)).json()
    conversation_id = body["conversation_id"]
    await app_state.chat_jobs.join()
    conversation = (
        await client.get(f"/conversations/{conversation_id}", headers=alice.headers)
    ).json()
    assert conversation["title"]
    renamed = await client.patch(
        f"/conversations/{conversation_id}", json={"title": "Lisbon"}, headers=alice.headers
    )
    assert renamed.json()["title"] == "Lisbon"
    await chat(client, alice.headers, conversation_id=conversation_id, message="more", stream=False)
    await app_state.chat_jobs.join()
    conversation = (
        await client.get(f"/conversations/{conversation_id}", headers=alice.headers)
    ).json()
    assert conversation["title"] == "Lisbon"
    assert conversation["message_count"] == 4
