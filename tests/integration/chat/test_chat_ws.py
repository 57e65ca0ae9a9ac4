"""/chat/ws: auth by header, query or first message; several turns per socket; clean close codes.

Also what a socket must not allow: another user's conversation, a revoked credential, and a
disconnect or a delete mid-turn that loses the reply's status or its bill.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import select
from websockets.asyncio.client import ClientConnection, connect

from llm_gateway.app import create_app
from llm_gateway.core.database import session_scope
from llm_gateway.models.usage import UsageRecord
from llm_gateway.state import AppState
from tests.backends import Backend
from tests.integration.auth.helpers import Account, bearer, create_key, make_account
from tests.integration.chat.conftest import install_agent
from tests.integration.chat.support import (
    GatedAgent,
    chat_settings,
    closed_with,
    live_server,
)


class Server:
    def __init__(self, base: str, state: AppState, account: Account, agents: list[Any]) -> None:
        self.base, self.state, self.account, self.agents = base, state, account, agents

    @property
    def ws_url(self) -> str:
        return self.base.replace("http://", "ws://") + "/chat/ws"


async def _start(backend: Backend, models_file: Path, factory: Any) -> AsyncIterator[Server]:
    agents: list[Any] = []
    app = create_app(chat_settings(backend, models_file, ws_auth_timeout_s=0.3))
    if factory is not None:
        install_agent(app, agents, factory)
    async with live_server(app, backend.database_url) as (base, state):
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            account = await make_account(client, "wendy@example.com")
        yield Server(base, state, account, agents)


@pytest.fixture
async def server(backend: Backend, models_file: Path) -> AsyncIterator[Server]:
    async for started in _start(backend, models_file, None):  # the real agent runner
        yield started


@pytest.fixture
async def gated_server(backend: Backend, models_file: Path) -> AsyncIterator[Server]:
    async for started in _start(backend, models_file, GatedAgent):
        yield started


async def _recv(ws: ClientConnection) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads(await ws.recv())
    return data


async def _turn(ws: ClientConnection, **body: Any) -> list[dict[str, Any]]:
    await ws.send(orjson.dumps({"type": "chat", **body}).decode())
    events = [await _recv(ws)]
    while events[-1]["type"] not in ("done", "error"):
        events.append(await _recv(ws))
    return events


async def test_several_turns_over_one_socket_keep_context(server: Server) -> None:
    headers = server.account.headers
    async with connect(server.ws_url, additional_headers=headers) as ws:
        assert (await _recv(ws))["type"] == "ready"
        first = await _turn(ws, message="I live in Oslo.")
        assert first[0]["type"] == "meta"
        assert first[-1]["type"] == "done"
        conversation_id = first[0]["conversation_id"]
        second = await _turn(ws, conversation_id=conversation_id, message="echo: where?")
        assert second[-1]["type"] == "done", second[-1]
        echoed = orjson.loads("".join(e["text"] for e in second if e["type"] == "token"))
        assert echoed["messages"][0]["content"] == "I live in Oslo."
        await ws.send(orjson.dumps({"type": "close"}).decode())
        assert await closed_with(ws) == 1000


async def test_auth_by_first_message_or_query(server: Server) -> None:
    token = server.account.access
    async with connect(server.ws_url) as ws:
        await ws.send(orjson.dumps({"type": "auth", "token": token}).decode())
        assert (await _recv(ws))["type"] == "ready"
        assert (await _turn(ws, message="hi"))[-1]["type"] == "done"
    async with connect(f"{server.ws_url}?token={token}") as ws:
        assert (await _recv(ws))["type"] == "ready"


@pytest.mark.parametrize("first", [{"type": "auth", "token": "sk-gw-wrong"}, {"type": "chat"}])
async def test_bad_or_missing_auth_closes_1008(server: Server, first: dict[str, Any]) -> None:
    async with connect(server.ws_url) as ws:
        await ws.send(orjson.dumps(first).decode())
        assert (await _recv(ws))["type"] == "error"
        assert await closed_with(ws) == 1008


async def test_silent_client_is_closed_1008(server: Server) -> None:
    async with connect(server.ws_url) as ws:
        assert await closed_with(ws) == 1008


@pytest.mark.parametrize(
    ("frame", "code"), [(b"\x00binary", 1003), ("{not json", 1007), ("[1]", 1007)]
)
async def test_unreadable_frames_close_with_the_right_code(
    server: Server, frame: bytes | str, code: int
) -> None:
    async with connect(server.ws_url, additional_headers=server.account.headers) as ws:
        await _recv(ws)
        await ws.send(frame)
        assert await closed_with(ws) == code


async def test_turn_errors_are_events_and_the_socket_stays_open(server: Server) -> None:
    async with connect(server.ws_url, additional_headers=server.account.headers) as ws:
        await _recv(ws)
        missing = await _turn(ws, conversation_id=str(uuid.uuid4()), message="hi")
        assert missing == [
            {
                "type": "error",
                "code": "conversation_not_found",
                "message": missing[0]["message"],
                "http_status": 404,
            }
        ]
        empty = await _turn(ws, message=" ")
        assert empty[0]["code"] == "empty_message"
        await ws.send(orjson.dumps({"type": "chat"}).decode())
        assert (await _recv(ws))["code"] == "validation_error"
        await ws.send(orjson.dumps({"type": "ping"}).decode())
        assert (await _recv(ws))["type"] == "pong"
        assert (await _turn(ws, message="still here"))[-1]["type"] == "done"


async def test_cancel_mid_turn_keeps_partial_reply(gated_server: Server) -> None:
    server = gated_server
    async with connect(server.ws_url, additional_headers=server.account.headers) as ws:
        await _recv(ws)
        await ws.send(orjson.dumps({"type": "chat", "message": "long answer please"}).decode())
        meta = await _recv(ws)
        assert (await _recv(ws)) == {"type": "token", "text": "first "}
        await ws.send(orjson.dumps({"type": "chat", "message": "too early"}).decode())
        assert (await _recv(ws))["code"] == "turn_in_progress"
        await ws.send(orjson.dumps({"type": "cancel"}).decode())
        final = await _recv(ws)
        assert final["type"] == "error"
        assert final["status"] == "partial"
        assert final["message_id"] == meta["message_id"]
    async with httpx.AsyncClient(base_url=server.base) as client:
        listed = await client.get(
            f"/conversations/{meta['conversation_id']}/messages", headers=server.account.headers
        )
    stored = listed.json()["data"]
    assert [(m["role"], m["status"], m["content"]) for m in stored] == [
        ("user", "complete", "long answer please"),
        ("assistant", "partial", "first "),
    ]


async def test_disconnect_mid_turn_keeps_partial_reply(gated_server: Server) -> None:
    server = gated_server
    async with connect(server.ws_url, additional_headers=server.account.headers) as ws:
        await _recv(ws)
        await ws.send(orjson.dumps({"type": "chat", "message": "long answer please"}).decode())
        meta = await _recv(ws)
        assert (await _recv(ws))["type"] == "token"
    # The socket is gone while the model still works: the turn is stopped and saved.
    await server.state.chat_jobs.join()
    async with httpx.AsyncClient(base_url=server.base) as client:
        listed = await client.get(
            f"/conversations/{meta['conversation_id']}/messages", headers=server.account.headers
        )
    stored = listed.json()["data"]
    assert [(m["role"], m["status"], m["content"]) for m in stored] == [
        ("user", "complete", "long answer please"),
        ("assistant", "partial", "first "),
    ]
    assert stored[1]["error"].startswith("client_disconnected")


async def test_another_users_conversation_is_404_over_the_socket(server: Server) -> None:
    async with httpx.AsyncClient(base_url=server.base, timeout=30) as client:
        mallory = await make_account(client, "mallory@example.com")
        owned = await client.post(
            "/chat", json={"message": "mine", "stream": False}, headers=server.account.headers
        )
    conversation_id = owned.json()["conversation_id"]
    async with connect(server.ws_url, additional_headers=mallory.headers) as ws:
        await _recv(ws)
        refused = await _turn(ws, conversation_id=conversation_id, message="let me in")
    assert [(e["type"], e["code"]) for e in refused] == [("error", "conversation_not_found")]
    async with httpx.AsyncClient(base_url=server.base) as client:
        listed = await client.get(
            f"/conversations/{conversation_id}/messages", headers=server.account.headers
        )
    assert [m["content"] for m in listed.json()["data"] if m["role"] == "user"] == ["mine"]


async def test_a_key_revoked_mid_session_ends_the_socket(server: Server) -> None:
    async with httpx.AsyncClient(base_url=server.base, timeout=30) as client:
        key = await create_key(client, server.account)
        async with connect(server.ws_url, additional_headers=bearer(key["key"])) as ws:
            await _recv(ws)
            assert (await _turn(ws, message="hi"))[-1]["type"] == "done"
            revoked = await client.delete(
                f"/users/me/api-keys/{key['id']}", headers=server.account.headers
            )
            assert revoked.status_code == 204
            refused = await _turn(ws, message="still allowed?")
            assert refused[-1]["type"] == "error"
            assert refused[-1]["http_status"] == 401
            assert await closed_with(ws) == 1008


async def test_deleting_the_conversation_mid_turn_keeps_it_deleted_and_bills_the_turn(
    gated_server: Server,
) -> None:
    server = gated_server
    async with connect(server.ws_url, additional_headers=server.account.headers) as ws:
        await _recv(ws)
        await ws.send(orjson.dumps({"type": "chat", "message": "long answer please"}).decode())
        meta = await _recv(ws)
        assert (await _recv(ws))["type"] == "token"
        url = f"/conversations/{meta['conversation_id']}"
        async with httpx.AsyncClient(base_url=server.base) as client:
            deleted = await client.delete(url, headers=server.account.headers)
            assert deleted.status_code == 204
            server.agents[0].release.set()
            final = await _turn_end(ws)
            assert (final["type"], final["code"]) == ("error", "conversation_deleted")
            await server.state.chat_jobs.join()
            assert (await client.get(url, headers=server.account.headers)).status_code == 404
    await server.state.usage.wait_idle()
    async with session_scope(server.state.session_factory) as session:
        rows = (
            await session.scalars(select(UsageRecord).where(UsageRecord.source == "chat"))
        ).all()
    # The upstream answered, so the turn is billed even though nothing could be stored.
    assert [(r.source, r.prompt_tokens, r.completion_tokens) for r in rows] == [("chat", 10, 2)]


async def _turn_end(ws: ClientConnection) -> dict[str, Any]:
    while (event := await _recv(ws))["type"] not in ("done", "error"):
        pass
    return event
