"""When the agent graph is built: on the first ``auto`` request, or at startup when preloaded."""

from __future__ import annotations

import asyncio
import gc
import threading
import weakref
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI

from llm_gateway import app as app_module
from llm_gateway.agent.runner import AgentRunner
from llm_gateway.agent.wiring import create_agent
from llm_gateway.app import create_app
from llm_gateway.core.config import Settings
from llm_gateway.services.proxy import hooks
from llm_gateway.services.proxy.context import CallContext
from llm_gateway.state import AppState
from tests.backends import Backend
from tests.conftest import build_settings
from tests.integration.agent.conftest import (
    AUTH,
    MASTER_KEY,
    FakeSearx,
    agent_settings,
    registry_yaml,
)
from tests.integration.proxy.harness import GatewayThread

AUTH_LINE = f"authorization: Bearer {MASTER_KEY}\r\n"


async def _chat(client: httpx.AsyncClient, model: str) -> None:
    body = {"model": model, "messages": [{"role": "user", "content": "What is 2 + 2?"}]}
    reply = await client.post("/v1/chat/completions", json=body, headers=AUTH)
    assert reply.status_code == 200, reply.text


async def test_a_proxy_request_leaves_the_agent_unbuilt_and_auto_builds_it(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    assert not app_state.agent.built
    await _chat(client, "small")
    assert not app_state.agent.built
    await _chat(client, "auto")
    assert app_state.agent.built


class _Cycle:
    """Refers to itself: only the cyclic collector can free it."""

    def __init__(self) -> None:
        self.me = self


async def test_garbage_left_by_the_build_is_collected_not_frozen(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    left: list[weakref.ref[_Cycle]] = []

    def building(*args: Any, **kwargs: Any) -> AgentRunner:
        runner = create_agent(*args, **kwargs)
        # No automatic pass between here and the freeze that follows the build: only an
        # explicit collection before it can free this cycle, else it is frozen for good.
        gc.disable()
        left.append(weakref.ref(_Cycle()))
        return runner

    monkeypatch.setattr(app_module, "create_agent", building)
    try:
        await _chat(client, "auto")
    finally:
        gc.enable()
    gc.collect()
    assert left[0]() is None


class TestPreload:
    @pytest.fixture
    def app(self, backend: Backend, models_file: Path, searx: FakeSearx) -> FastAPI:
        groups = agent_settings(models_file, searx.url, preload=True)
        return create_app(build_settings(backend, security={"master_key": MASTER_KEY}, **groups))

    async def test_the_graph_is_built_at_startup(
        self, client: httpx.AsyncClient, app_state: AppState
    ) -> None:
        assert app_state.agent.built
        runner = await app_state.agent.get()
        await _chat(client, "auto")
        assert await app_state.agent.get() is runner


class BuildCounter:
    """Wraps the real ``create_agent``: counts builds and holds each until ``release`` is set."""

    def __init__(self) -> None:
        self.builds = 0
        self.started = threading.Event()
        self.release = threading.Event()


@pytest.fixture
def build_counter(monkeypatch: pytest.MonkeyPatch) -> BuildCounter:
    counter = BuildCounter()

    def counting(*args: Any, **kwargs: Any) -> AgentRunner:
        counter.builds += 1
        counter.started.set()
        counter.release.wait(30)
        return create_agent(*args, **kwargs)

    monkeypatch.setattr(app_module, "create_agent", counting)  # looked up at build time
    return counter


@pytest.fixture
def disconnects(monkeypatch: pytest.MonkeyPatch) -> list[CallContext]:
    """Every finalized call whose client hung up (the real finalize still runs)."""
    seen: list[CallContext] = []
    original = hooks.finalize

    async def record(state: AppState, ctx: CallContext) -> None:
        if ctx.client_disconnected:
            seen.append(ctx)
        await original(state, ctx)

    monkeypatch.setattr(hooks, "finalize", record)
    return seen


async def test_a_first_auto_request_that_hangs_up_does_not_cancel_the_build(
    backend: Backend,
    searx: FakeSearx,
    tmp_path: Path,
    build_counter: BuildCounter,
    disconnects: list[CallContext],
) -> None:
    def settings_for(base_url: str) -> Settings:
        path = tmp_path / "models.yaml"
        path.write_text(registry_yaml(base_url), encoding="utf-8")
        groups = agent_settings(path, searx.url)
        return build_settings(backend, security={"master_key": MASTER_KEY}, **groups)

    gateway = GatewayThread(settings_for)
    gateway.start()
    try:
        body = orjson.dumps({"model": "auto", "messages": [{"role": "user", "content": "Hi"}]})
        _reader, writer = await asyncio.open_connection("127.0.0.1", gateway.port)
        writer.write(
            b"POST /v1/chat/completions HTTP/1.1\r\nhost: gw\r\n"
            + f"content-type: application/json\r\n{AUTH_LINE}".encode()
            + f"content-length: {len(body)}\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        assert await asyncio.to_thread(build_counter.started.wait, 30)
        writer.close()  # the first client hangs up while the graph is being built
        await writer.wait_closed()
        for _ in range(600):
            if disconnects:
                break
            await asyncio.sleep(0.05)
        assert disconnects, "the gateway never saw the hang-up"
        build_counter.release.set()
        async with httpx.AsyncClient(base_url=gateway.base_url, timeout=60) as client:
            await asyncio.gather(_chat(client, "auto"), _chat(client, "auto"))
        assert build_counter.builds == 1
    finally:
        build_counter.release.set()
        gateway.stop()
