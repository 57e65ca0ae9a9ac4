"""A client that hangs up cancels the upstream request, streamed or not, and is finalized."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from llm_gateway.fake_upstream import Behaviour, handlers
from tests.integration.proxy.conftest import MASTER_KEY, Finalized
from tests.integration.proxy.harness import GatewayThread


class UpstreamEnds:
    """Records how the fake upstream's handlers ended: cancelled/aborted, or completed."""

    def __init__(self) -> None:
        self.aborted = threading.Event()
        self.completed = threading.Event()


@pytest.fixture
def upstream_ends(
    monkeypatch: pytest.MonkeyPatch, gateway: GatewayThread
) -> Iterator[UpstreamEnds]:
    ends = UpstreamEnds()
    original_stream, original_wait = handlers._stream, handlers._wait

    async def stream(*args: Any) -> Any:
        try:
            result = await original_stream(*args)
        except BaseException:
            ends.aborted.set()
            raise
        ends.completed.set()
        return result

    async def wait(*args: Any) -> None:
        try:
            await original_wait(*args)
        except BaseException:
            ends.aborted.set()
            raise

    # Looked up by name at call time inside the fake's handlers, so patching them here works.
    monkeypatch.setattr(handlers, "_stream", stream)
    monkeypatch.setattr(handlers, "_wait", wait)
    yield ends
    assert gateway.fake is not None
    gateway.fake.reset()


async def hang_up_after(gateway: GatewayThread, body: dict[str, Any], marker: bytes) -> None:
    """Send ``body``, read until ``marker`` shows up, then disconnect.

    With no marker, hang up once the upstream has received the request (earlier, the gateway
    would rightly never call it).
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", gateway.port)
    payload = orjson.dumps(body)
    writer.write(
        b"POST /v1/chat/completions HTTP/1.1\r\nhost: gw\r\ncontent-type: application/json\r\n"
        + f"authorization: Bearer {MASTER_KEY}\r\ncontent-length: {len(payload)}\r\n\r\n".encode()
        + payload
    )
    await writer.drain()
    seen = b""
    while marker and marker not in seen:
        seen += await asyncio.wait_for(reader.read(4096), 10)
    assert gateway.fake is not None
    for _ in range(200):
        if marker or gateway.fake.requests(body["model"]):
            break
        await asyncio.sleep(0.05)
    writer.close()
    await writer.wait_closed()


async def wait_for(event: threading.Event) -> bool:
    return await asyncio.to_thread(event.wait, 10)


async def test_disconnect_mid_stream_cancels_the_upstream(
    gateway: GatewayThread, upstream_ends: UpstreamEnds, finalized: Finalized
) -> None:
    assert gateway.fake is not None
    gateway.fake.script("patient", inter_token_s=0.2, reply_words=400)  # an 80 s stream
    body = {"model": "patient", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    await hang_up_after(gateway, body, b"data: ")
    assert await wait_for(upstream_ends.aborted)
    assert not upstream_ends.completed.is_set()
    for _ in range(100):
        if finalized.calls:
            break
        await asyncio.sleep(0.05)
    ctx = finalized.last
    assert (ctx.client_disconnected, ctx.status_code, ctx.error_code) == (
        True,
        499,
        "client_disconnected",
    )
    assert ctx.first_byte_at is not None
    assert gateway.state.router.stats.in_flight == {}


async def test_disconnect_while_waiting_for_a_completion_cancels_the_upstream(
    gateway: GatewayThread, upstream_ends: UpstreamEnds, finalized: Finalized
) -> None:
    assert gateway.fake is not None
    gateway.fake.script("patient", Behaviour("hang", seconds=60))
    body = {"model": "patient", "messages": [{"role": "user", "content": "hi"}]}
    await hang_up_after(gateway, body, b"")
    assert await wait_for(upstream_ends.aborted)
    for _ in range(100):
        if finalized.calls:
            break
        await asyncio.sleep(0.05)
    assert finalized.last.client_disconnected
    assert finalized.last.attempts[-1].outcome == "cancelled"
