"""Chat test support: a registry on the fake upstream, agent doubles, SSE parsing, a live server."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import uvicorn
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from llm_gateway.agent.context import AgentOptions
from llm_gateway.agent.events import (
    AgentEvent,
    DoneEvent,
    IntentEvent,
    ModelEvent,
    TokenEvent,
    Usage,
)
from llm_gateway.core.config import Settings
from llm_gateway.services.auth.principal import Principal
from llm_gateway.state import STATE_KEY, AppState
from tests.backends import Backend
from tests.conftest import truncate_all
from tests.integration.auth.helpers import MASTER_KEY, auth_settings

SMALL_WINDOW = 4096


def registry_yaml(base: str, *, small_window: int = SMALL_WINDOW) -> str:
    """Two aliases on the fake upstream: a small one (free tier) and a large one (pro and up)."""
    openai = f"base_url: '{base}/v1'"
    return f"""
version: 1
defaults:
  small: mini
  large: big
  timeouts: {{connect_s: 2, first_byte_s: 10, total_s: 30}}
aliases:
  mini:
    tier: small
    context_window: {small_window}
    max_output_tokens: 512
    price: {{input: 1.0, output: 2.0}}
    deployments: [{{provider: openai, model: gpt-4o-mini, {openai}}}]
  big:
    tier: large
    context_window: 128000
    max_output_tokens: 4096
    deployments: [{{provider: openai, model: gpt-4o, {openai}}}]
"""


def chat_settings(backend: Backend, models_file: Path, **chat: Any) -> Settings:
    return auth_settings(
        backend,
        providers={"models_file": models_file, "demo_upstream": False, "num_retries": 0},
        quotas={"enabled": chat.pop("quotas_enabled", False)},
        security={"master_key": MASTER_KEY},
        chat={"heartbeat_interval_s": 0.05, **chat},
    )


class GatedAgent:
    """Streams one token, then waits for ``release`` (or to be cancelled by a disconnect)."""

    def __init__(self, state: AppState) -> None:
        self.state = state
        self.started = asyncio.Event()
        self.release = asyncio.Event()

    async def run(
        self,
        messages: Sequence[Mapping[str, Any]],
        principal: Principal,
        requested_model: str = "auto",
        options: AgentOptions | None = None,
    ) -> AsyncIterator[AgentEvent]:
        yield IntentEvent("general", "simple", "en", 0.9, "rules")
        yield ModelEvent("mini", "small", "test double")
        yield TokenEvent("first ")
        self.started.set()
        await self.release.wait()
        yield TokenEvent("second")
        yield DoneEvent("first second", "stop", Usage(10, 2, 0, 0.0), "mini")


@dataclass
class SSEEvent:
    event: str
    data: dict[str, Any]


def parse_sse(body: str) -> tuple[list[SSEEvent], int]:
    """Events and the number of comment (heartbeat) lines in a whole SSE body."""
    events: list[SSEEvent] = []
    comments = 0
    for block in body.split("\n\n"):
        name, data = "message", []
        for line in block.splitlines():
            if line.startswith(":"):
                comments += 1
            elif line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
        if data:
            events.append(SSEEvent(name, orjson.loads("\n".join(data))))
    return events, comments


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@contextlib.asynccontextmanager
async def live_server(app: FastAPI, database_url: str) -> AsyncIterator[tuple[str, AppState]]:
    """``app`` under a real uvicorn on this event loop: (base URL, its lifespan state).

    Tables are emptied afterwards, as the ``running_app`` fixture does for in-process apps.
    """
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("uvicorn stopped during startup")
            await asyncio.sleep(0.01)
        lifespan: Any = server.lifespan
        yield f"http://127.0.0.1:{port}", lifespan.state[STATE_KEY]
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)
        await truncate_all(database_url)


async def chat(
    client: httpx.AsyncClient, headers: Mapping[str, str], **body: Any
) -> httpx.Response:
    return await client.post("/chat", json=body, headers=dict(headers))


async def chat_events(
    client: httpx.AsyncClient, headers: Mapping[str, str], **body: Any
) -> list[SSEEvent]:
    response = await chat(client, headers, **body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    events, _ = parse_sse(response.text)
    return events


async def closed_with(ws: ClientConnection) -> int | None:
    """The close code the server sent, after reading whatever it sent before closing."""
    try:
        while True:
            await ws.recv()
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
