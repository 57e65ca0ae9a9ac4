"""The server protocol ``llm-gateway serve`` runs: responses arrive whole with the head held back.

``HeaderTimeoutProtocol`` writes a response's head together with its first body bytes; a head with
no body following (a 204, a streamed response that waits for its first chunk) must still go out.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
import uvicorn

from llm_gateway.middleware.header_timeout import HeaderTimeoutProtocol


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    path = scope["path"]
    if path == "/json":
        body = b'{"ok":true}'
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"11")],
            }
        )
        await send({"type": "http.response.body", "body": body})
    elif path == "/empty":
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})
    else:  # /slow-stream: the head first, the body a while later
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await asyncio.sleep(0.3)
        await send({"type": "http.response.body", "body": b"late", "more_body": False})


async def _read_until(reader: asyncio.StreamReader, marker: bytes, within_s: float) -> bytes:
    data = b""
    while marker not in data:
        data += await asyncio.wait_for(reader.read(4096), within_s)
    return data


@pytest.fixture
async def server_port() -> Any:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        _app, http=HeaderTimeoutProtocol, log_level="warning", access_log=False, lifespan="off"
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if serving.done():
            await serving  # raises the startup error
        await asyncio.sleep(0.01)
    yield sock.getsockname()[1]
    server.should_exit = True
    await serving


async def test_keep_alive_responses_arrive_whole(server_port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server_port)
    try:
        for path, status, tail in (
            ("/json", b"200", b'{"ok":true}'),
            ("/empty", b"204", b"\r\n\r\n"),
            ("/json", b"200", b'{"ok":true}'),
        ):
            writer.write(f"GET {path} HTTP/1.1\r\nhost: x\r\n\r\n".encode())
            data = await _read_until(reader, tail, within_s=5)
            assert data.startswith(b"HTTP/1.1 " + status)
            assert data.endswith(tail)
    finally:
        writer.close()


async def test_a_head_waiting_for_its_body_is_sent_at_once(server_port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server_port)
    try:
        writer.write(b"GET /slow-stream HTTP/1.1\r\nhost: x\r\n\r\n")
        head = await _read_until(reader, b"\r\n\r\n", within_s=0.25)  # before the body is sent
        assert head.startswith(b"HTTP/1.1 200")
        assert b"late" in await _read_until(reader, b"0\r\n\r\n", within_s=5)
    finally:
        writer.close()


async def test_connection_close_still_delivers_the_response(server_port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server_port)
    writer.write(b"GET /json HTTP/1.0\r\n\r\n")
    data = await asyncio.wait_for(reader.read(), 5)  # to EOF: the server closes
    writer.close()
    assert data.startswith(b"HTTP/1.1 200")
    assert data.endswith(b'{"ok":true}')
