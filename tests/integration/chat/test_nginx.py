"""deploy/nginx (TLS) in front of a real gateway passes SSE and WebSocket through unbuffered."""

from __future__ import annotations

import asyncio
import os
import shutil
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from websockets.asyncio.client import connect

from llm_gateway.app import create_app
from tests.backends import Backend
from tests.integration.auth.helpers import make_account
from tests.integration.chat.conftest import install_agent
from tests.integration.chat.support import GatedAgent, chat_settings, free_port, live_server
from tests.integration.scaleout.cluster import render_nginx
from tests.system_tools import missing_tool

NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
)


@pytest.fixture(autouse=True)
def _needs_nginx() -> None:
    if NGINX is None:
        missing_tool("nginx")


@asynccontextmanager
async def _nginx(directory: Path, gateway_port: int) -> AsyncIterator[int]:
    """deploy/nginx as shipped in front of one gateway; yields its HTTPS port."""
    assert NGINX is not None
    https_port = free_port()
    config = render_nginx(directory, [gateway_port], free_port(), https_port)
    check = await asyncio.create_subprocess_exec(
        NGINX,
        "-t",
        "-p",
        str(directory),
        "-c",
        str(config),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await check.communicate()
    assert check.returncode == 0, output.decode()
    process = await asyncio.create_subprocess_exec(
        NGINX, "-p", str(directory), "-c", str(config), "-g", "daemon off;"
    )
    try:
        for _ in range(500):
            if process.returncode is not None:
                raise RuntimeError(f"nginx exited with {process.returncode}")
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", https_port)
            except OSError:
                await asyncio.sleep(0.02)
                continue
            writer.close()
            await writer.wait_closed()
            break
        yield https_port
    finally:
        process.terminate()
        await process.wait()


async def test_sse_and_websocket_pass_through_nginx_unbuffered(
    backend: Backend, models_file: Path, tmp_path: Path
) -> None:
    agents: list[Any] = []
    app = create_app(chat_settings(backend, models_file))
    install_agent(app, agents, GatedAgent)
    async with live_server(app, backend.database_url) as (base, _state):
        gateway_port = int(base.rsplit(":", 1)[1])
        async with _nginx(tmp_path, gateway_port) as port:
            async with httpx.AsyncClient(
                base_url=f"https://127.0.0.1:{port}", timeout=30, verify=False
            ) as client:
                account = await make_account(client, "nina@example.com")
                lines: list[str] = []
                async with client.stream(
                    "POST", "/chat", json={"message": "hi"}, headers=account.headers
                ) as response:
                    assert response.status_code == 200
                    assert response.headers["content-type"].startswith("text/event-stream")
                    async for line in response.aiter_lines():
                        lines.append(line)
                        if line.startswith('data: {"text":"first '):
                            # The model is still waiting: this event cannot have been buffered
                            # until the end of the stream. Let the reply finish.
                            agents[0].release.set()
            events = [line[7:] for line in lines if line.startswith("event: ")]
            assert events == ["meta", "token", "token", "done"]

            ws_url = f"wss://127.0.0.1:{port}/chat/ws?token={account.access}"
            insecure = ssl.create_default_context()
            insecure.check_hostname = False
            insecure.verify_mode = ssl.CERT_NONE  # the test's self-signed certificate
            async with connect(ws_url, ssl=insecure) as ws:
                assert orjson.loads(await ws.recv())["type"] == "ready"
    # nginx has stopped, so its access log is complete: the socket is there, its token is not.
    access_log = (tmp_path / "access.log").read_text(encoding="utf-8")
    assert "/chat/ws" in access_log
    assert account.access not in access_log
