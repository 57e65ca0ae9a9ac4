"""Redis down: the cache turns itself off and requests are answered; it comes back with Redis.

Uses a PRIVATE redis-server on a free port (never the shared one), stopped and restarted here.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
import redis
from asgi_lifespan import LifespanManager

from llm_gateway.app import create_app
from llm_gateway.state import STATE_KEY, AppState
from tests.backends import Backend
from tests.integration.cache.conftest import chat
from tests.integration.proxy.conftest import AUTH, proxy_settings
from tests.outages import fill_past_maxmemory
from tests.system_tools import missing_tool


@pytest.fixture(autouse=True)
def _needs_redis_server() -> None:
    if shutil.which("redis-server") is None:
        missing_tool("redis-server")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class PrivateRedis:
    """A throwaway redis-server in a temporary directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis.Redis.from_url(self.url).ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@asynccontextmanager
async def _gateway(
    backend: Backend, models_file: Path, redis_url: str
) -> AsyncIterator[tuple[AppState, httpx.AsyncClient]]:
    """The app on ``redis_url`` (short socket timeout and cache outage backoff), and a client."""
    settings = proxy_settings(
        backend,
        models_file,
        store={"redis_url": redis_url, "socket_timeout_s": 0.5},
        cache={"outage_backoff_s": 0.3},
    )
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30) as manager:
        state: AppState = manager._state[STATE_KEY]
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw.test") as client:
            yield state, client


async def _ask(client: httpx.AsyncClient, model: str, text: str) -> httpx.Response:
    r = await client.post("/v1/chat/completions", json=chat(model, text), headers=AUTH)
    assert r.status_code == 200, r.text
    return r


@pytest.mark.parametrize("model", ["cached", "sem"])  # exact and semantic aliases
async def test_requests_succeed_while_redis_is_down_and_the_cache_returns_after(
    backend: Backend, models_file: Path, private_redis: PrivateRedis, model: str
) -> None:
    async with _gateway(backend, models_file, private_redis.url) as (state, client):

        async def ask() -> httpx.Response:
            return await _ask(client, model, "what is two plus two?")

        assert (await ask()).headers["x-gateway-cache"] == "miss"
        assert (await ask()).headers["x-gateway-cache"] == "hit"
        private_redis.stop()
        down = await ask()
        assert "x-gateway-cache" not in down.headers
        assert state.cache.counters.store_errors == 1
        await ask()  # the cache is off: no store round trip, so no timeout to wait for
        assert state.cache.counters.store_errors == 1
        assert state.cache.counters.skipped_store_down >= 1
        private_redis.start()
        await asyncio.sleep(0.35)  # the cache's outage backoff
        back = await ask()
        assert back.headers["x-gateway-cache"] == "miss"  # the restarted Redis is empty
        assert (await ask()).headers["x-gateway-cache"] == "hit"


@pytest.mark.parametrize("model", ["cached", "sem"])  # exact and semantic aliases
async def test_requests_succeed_while_redis_refuses_writes(
    backend: Backend, models_file: Path, private_redis: PrivateRedis, model: str
) -> None:
    """Redis at ``maxmemory`` answers writes with OOM: the cache (and the quota scripts on the
    same Redis) treat that as an outage — the request is answered, never a 500."""
    async with _gateway(backend, models_file, private_redis.url) as (state, client):
        first = await _ask(client, model, "what is two plus two?")
        assert first.headers["x-gateway-cache"] == "miss"
        fill_past_maxmemory(private_redis.url)
        for text in ("what is three plus three?", "what is four plus four?"):
            await _ask(client, model, text)
        assert state.cache.counters.store_errors >= 1
