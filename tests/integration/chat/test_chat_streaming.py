"""/chat on a real server: heartbeats while the model is idle; a disconnect keeps `partial`."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
from fastapi import FastAPI

from llm_gateway.app import create_app
from tests.backends import Backend
from tests.integration.auth.helpers import make_account
from tests.integration.chat.conftest import install_agent
from tests.integration.chat.support import GatedAgent, chat_settings, live_server


def _app(backend: Backend, models_file: Any, agents: list[Any]) -> FastAPI:
    app = create_app(chat_settings(backend, models_file))
    install_agent(app, agents, GatedAgent)
    return app


async def test_heartbeat_comments_flow_while_the_model_is_idle(
    backend: Backend, models_file: Any
) -> None:
    agents: list[Any] = []
    async with live_server(_app(backend, models_file, agents), backend.database_url) as (
        base,
        _state,
    ):
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            account = await make_account(client, "carol@example.com")
            seen: list[str] = []
            async with client.stream(
                "POST", "/chat", json={"message": "hi"}, headers=account.headers
            ) as response:
                assert response.headers["x-accel-buffering"] == "no"
                async for line in response.aiter_lines():
                    seen.append(line)
                    if line.startswith(":") and agents:
                        agents[0].release.set()  # a heartbeat arrived while the model was idle
    events = [line.removeprefix("event: ") for line in seen if line.startswith("event: ")]
    assert events == ["meta", "token", "token", "done"]
    first_ping = next(i for i, line in enumerate(seen) if line.startswith(": ping"))
    second_token = [i for i, line in enumerate(seen) if line == "event: token"][1]
    assert first_ping < second_token


async def test_client_disconnect_mid_stream_stores_partial_reply(
    backend: Backend, models_file: Any
) -> None:
    agents: list[Any] = []
    async with live_server(_app(backend, models_file, agents), backend.database_url) as (
        base,
        state,
    ):
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            account = await make_account(client, "dave@example.com")
            meta: dict[str, Any] = {}
            async with client.stream(
                "POST", "/chat", json={"message": "hi"}, headers=account.headers
            ) as response:
                async for line in response.aiter_lines():
                    if line.startswith("data: ") and not meta:
                        meta = orjson.loads(line[6:])
                    if line.startswith("event: token"):
                        break  # hang up after the first token
            await agents[0].started.wait()
            await state.chat_jobs.join()
            listed = await client.get(
                f"/conversations/{meta['conversation_id']}/messages", headers=account.headers
            )
    stored = listed.json()["data"]
    assert [(m["role"], m["status"]) for m in stored] == [
        ("user", "complete"),
        ("assistant", "partial"),
    ]
    assert stored[1]["content"] == "first "
    assert stored[1]["id"] == meta["message_id"]
    assert stored[1]["error"].startswith("client_disconnected")
