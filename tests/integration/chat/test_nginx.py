"""The repo's nginx config in front of a real gateway passes SSE events through unbuffered."""

from __future__ import annotations

import asyncio
import getpass
import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from websockets.asyncio.client import connect

from llm_gateway.app import create_app
from llm_gateway.core.config import PROJECT_ROOT
from tests.backends import Backend
from tests.integration.auth.helpers import make_account
from tests.integration.chat.conftest import install_agent
from tests.integration.chat.support import GatedAgent, chat_settings, free_port, live_server

NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
)
pytestmark = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed (bash scripts/system-deps.sh installs it)"
)


def render_config(directory: Path, listen_port: int, gateway_port: int) -> Path:
    """nginx/nginx.conf on ephemeral ports, with every path inside ``directory``."""
    text = (PROJECT_ROOT / "nginx" / "nginx.conf").read_text(encoding="utf-8")
    replacements = [
        (r"worker_processes [^;]+;", "worker_processes 1;"),
        (r"\npid [^;]+;", f"\npid {directory}/nginx.pid;"),
        (r"error_log [^;]+;", f"error_log {directory}/error.log warn;"),
        (r"access_log \S+", f"access_log {directory}/access.log"),
        (r"server 127\.0\.0\.1:8000;", f"server 127.0.0.1:{gateway_port};"),
        (r"listen 80;", f"listen 127.0.0.1:{listen_port};"),
    ]
    for pattern, replacement in replacements:
        text, count = re.subn(pattern, replacement, text)
        assert count == 1, f"nginx.conf no longer contains {pattern!r}"
    temp = "".join(
        f"    {kind}_temp_path {directory}/{kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    text = text.replace("http {\n", "http {\n" + temp, 1)
    if os.geteuid() == 0:  # workers would otherwise drop to an account that cannot write here
        text = f"user {getpass.getuser()};\n" + text
    path = directory / "nginx.conf"
    path.write_text(text, encoding="utf-8")
    return path


async def _wait_for_port(port: int, process: asyncio.subprocess.Process) -> None:
    for _ in range(500):
        if process.returncode is not None:
            raise RuntimeError(f"nginx exited with {process.returncode}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.02)
            continue
        writer.close()
        await writer.wait_closed()
        return
    raise RuntimeError("nginx did not start listening")


async def _nginx(directory: Path, gateway_port: int) -> AsyncIterator[int]:
    port = free_port()
    config = render_config(directory, port, gateway_port)
    assert NGINX is not None
    check = await asyncio.create_subprocess_exec(
        NGINX,
        "-t",
        "-p",
        str(directory),
        "-c",
        str(config),
        "-e",
        str(directory / "error.log"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await check.communicate()
    assert check.returncode == 0, output.decode()
    process = await asyncio.create_subprocess_exec(
        NGINX,
        "-p",
        str(directory),
        "-c",
        str(config),
        "-e",
        str(directory / "error.log"),
        "-g",
        "daemon off;",
    )
    try:
        await _wait_for_port(port, process)
        yield port
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
        async for port in _nginx(tmp_path, gateway_port):
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
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

            ws_url = f"ws://127.0.0.1:{port}/chat/ws?token={account.access}"
            async with connect(ws_url) as ws:
                assert orjson.loads(await ws.recv())["type"] == "ready"
    # nginx has stopped, so its access log is complete: the socket is there, its token is not.
    access_log = (tmp_path / "access.log").read_text(encoding="utf-8")
    assert "/chat/ws" in access_log
    assert account.access not in access_log
