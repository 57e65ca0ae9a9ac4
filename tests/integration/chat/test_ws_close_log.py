"""/chat/ws: a client that closes cleanly, mid-answer or after it, leaves no error in the log.

Before: closing with ``{"type": "close"}`` while the answer streamed logged an ERROR with a
traceback (``Cannot write to closing transport``): the bundled demo upstream, which runs inside
the gateway process, treated the gateway closing its stream as a failure. Runs the real
``llm-gateway serve`` (shipped registry, demo upstream) and reads its log file.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import orjson
from websockets.asyncio.client import ClientConnection, connect

from tests.backends import Backend
from tests.integration.chat.support import closed_with
from tests.integration.clients.gateway import gateway_env, serve

PASSWORD = "plum-orbit-canvas-1987"
LONG = "Write a long story about a fox and a crow. " * 30


async def _token(client: httpx.AsyncClient) -> str:
    account = {"email": "ws-close@example.com", "password": PASSWORD}
    created = await client.post("/auth/register", json={**account, "display_name": "W"})
    assert created.status_code == 201, created.text
    login = await client.post("/auth/login", json=account)
    assert login.status_code == 200, login.text
    token: str = login.json()["access_token"]
    return token


async def _until(ws: ClientConnection, *kinds: str) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = orjson.loads(await ws.recv())
        if message["type"] in kinds:
            return message


async def _turn(ws: ClientConnection, text: str) -> None:
    await ws.send(orjson.dumps({"type": "chat", "message": text, "model": "demo"}).decode())


async def test_clean_closes_log_no_error(backend: Backend, tmp_path: Path) -> None:
    env = gateway_env(backend)
    demo = f"http://127.0.0.1:{env['LLMGW_PROVIDERS__DEMO_UPSTREAM_PORT']}"
    async with serve(env, tmp_path) as gateway, httpx.AsyncClient(base_url=gateway.base_url) as c:
        url = gateway.base_url.replace("http://", "ws://") + f"/chat/ws?token={await _token(c)}"
        close = orjson.dumps({"type": "close"}).decode()

        short = {"model": "*", "knobs": {"reply_words": 5}}
        assert (await c.post(f"{demo}/_fake/script", json=short)).status_code == 200
        async with connect(url) as ws:  # {"type": "close"} after the answer
            await _until(ws, "ready")
            await _turn(ws, "hello there")
            assert (await _until(ws, "done", "error"))["type"] == "done"
            await ws.send(close)
            assert await closed_with(ws) == 1000
        async with connect(url) as ws:  # the client's own close frame after the answer
            await _until(ws, "ready")
            await _turn(ws, "hello there")
            await _until(ws, "done", "error")

        # Long answers: when the gateway drops the upstream stream, the demo is still writing it.
        long = {"model": "*", "knobs": {"reply_words": 100_000}}
        assert (await c.post(f"{demo}/_fake/script", json=long)).status_code == 200
        for moment in ("meta", "token"):  # as the answer starts, and during it
            async with connect(url) as ws:  # {"type": "close"}
                await _until(ws, "ready")
                await _turn(ws, LONG)
                await _until(ws, moment, "error")
                await ws.send(close)
                assert await closed_with(ws) == 1000
            async with connect(url) as ws:  # the client's own close frame
                await _until(ws, "ready")
                await _turn(ws, LONG)
                await _until(ws, moment, "error")
        await asyncio.sleep(1.0)  # let the closed turns finish and their lines reach the log
        upstream = (await c.get(f"{demo}/_fake/requests")).json()
        log = gateway.log_text()
    assert upstream["aborted_streams"] >= 1, log[-6000:]  # an answer really was cut short
    lines = [orjson.loads(line) for line in log.splitlines() if line.startswith("{")]
    bad = [line for line in lines if line.get("level") not in ("debug", "info", "warning")]
    assert bad == [], bad
    assert "Traceback" not in log
