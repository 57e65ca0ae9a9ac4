"""Connections that never complete their request headers are closed (slow-loris protection).

Before: a connection that sent half a request line (or nothing) was held 60 s and more; 200 of
them held 200 sockets. A real ``llm-gateway serve`` process, raw sockets.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from tests.outages import GatewayProcess, gateway_env, gateway_process

pytestmark = pytest.mark.slow  # one gateway process: ~10 s

TIMEOUT_S = 1.0


async def _closed_after(gateway: GatewayProcess, payloads: list[bytes], gap_s: float) -> float:
    """Seconds until the server closes a connection that sends ``payloads`` ``gap_s`` apart."""
    reader, writer = await asyncio.open_connection("127.0.0.1", gateway.port)
    started = time.monotonic()
    try:
        for payload in payloads:
            writer.write(payload)
            await writer.drain()
            await asyncio.sleep(gap_s)
        data = await asyncio.wait_for(reader.read(), 15)  # EOF when the server closes
        assert b"200" not in data
    except (ConnectionResetError, BrokenPipeError):
        pass
    finally:
        writer.close()
    return time.monotonic() - started


async def test_incomplete_requests_are_closed_and_complete_ones_served(tmp_path: Path) -> None:
    env = gateway_env(
        LLMGW_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'gw.db'}",
        LLMGW_DATABASE__MIGRATE_ON_START="true",
        LLMGW_SERVER__HEADER_TIMEOUT_S=str(TIMEOUT_S),
    )
    async with gateway_process(env, tmp_path) as gateway:
        silent = await _closed_after(gateway, [], 0)
        half_line = await _closed_after(gateway, [b"GET /health/live HT"], 0)
        trickle = await _closed_after(gateway, [b"G", b"E", b"T", b" ", b"/", b"h"] * 3, 0.3)
        for elapsed in (silent, half_line):
            assert TIMEOUT_S * 0.8 <= elapsed < TIMEOUT_S + 5
        assert trickle < 5.4 + 1  # closed while still trickling (the trickle itself takes 5.4 s)

        reader, writer = await asyncio.open_connection("127.0.0.1", gateway.port)
        writer.write(b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        assert head.startswith(b"HTTP/1.1 200")
        writer.close()
