"""Agent fixtures: the fake upstream and a fake SearxNG behind the real router, tools and graph."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from fastapi import FastAPI

from llm_gateway.agent.runner import AgentRunner
from llm_gateway.agent.wiring import create_agent
from llm_gateway.app import create_app
from llm_gateway.core.config import Settings
from llm_gateway.core.store import create_store
from llm_gateway.fake_upstream import FakeUpstream
from llm_gateway.providers.registry import load_registry
from llm_gateway.services.routing import Router
from llm_gateway.tools import create_tool_registry
from tests.backends import Backend
from tests.conftest import build_settings

MASTER_KEY = "sk-agent-test-master-key-0123456789"
AUTH = {"authorization": f"Bearer {MASTER_KEY}"}


def registry_yaml(base: str) -> str:
    """``small``/``large`` with native tools, ``small-plain`` without (the intent-driven path)."""
    openai = f"base_url: '{base}/v1'"
    return f"""
version: 1
defaults:
  small: [small]
  large: [large]
  timeouts: {{connect_s: 2, first_byte_s: 10, total_s: 30}}
aliases:
  small:
    tier: small
    deployments: [{{provider: openai, model: demo, {openai}}}]
    capabilities: {{tools: true, json: true}}
    context_window: 32000
    price: {{input: 0.15, output: 0.60}}
  large:
    tier: large
    deployments: [{{provider: openai, model: demo-large, {openai}}}]
    capabilities: {{tools: true, json: true}}
    context_window: 128000
    price: {{input: 2.5, output: 10.0}}
  small-plain:
    tier: small
    deployments: [{{provider: openai, model: demo, {openai}}}]
    context_window: 32000
"""


def agent_settings(
    models_file: Path, searx_url: str, tools: dict[str, Any] | None = None, **agent: Any
) -> dict[str, Any]:
    """Setting groups for an agent test (merged into ``build_settings`` or ``Settings``)."""
    return {
        "providers": {
            "models_file": models_file,
            "demo_upstream": False,
            "num_retries": 1,
            "retry_backoff_base_s": 0.001,
            "retry_backoff_max_s": 0.01,
            "cooldown_sync_interval_s": 0.0,
        },
        "tools": {"web_search_url": searx_url, "web_search_timeout_s": 2.0, **(tools or {})},
        "agent": agent,
    }


@dataclass
class FakeSearx:
    queries: list[str] = field(default_factory=list)
    url: str = ""
    delay_s: float = 0.0  # answer this late (tool-timeout tests)


_SEARX = web.AppKey("searx", FakeSearx)


async def _search(request: web.Request) -> web.StreamResponse:
    state = request.app[_SEARX]
    state.queries.append(request.query.get("q", ""))
    if state.delay_s:
        await asyncio.sleep(state.delay_s)
    results = [{"title": "Seoul weather", "url": "https://example.org/s", "content": "Sunny"}]
    return web.json_response({"results": results})


@pytest.fixture
async def fake() -> AsyncIterator[FakeUpstream]:
    async with FakeUpstream(seed=7) as server:
        yield server


@pytest.fixture
async def searx() -> AsyncIterator[FakeSearx]:
    state = FakeSearx()
    app = web.Application()
    app[_SEARX] = state
    app.router.add_get("/search", _search)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    state.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield state
    await runner.cleanup()


@pytest.fixture
def models_file(fake: FakeUpstream, tmp_path: Path) -> Path:
    path = tmp_path / "models.yaml"
    path.write_text(registry_yaml(fake.base_url), encoding="utf-8")
    return path


BuildRunner = Callable[..., Awaitable[AgentRunner]]


@pytest.fixture
async def build_runner(models_file: Path, searx: FakeSearx) -> AsyncIterator[BuildRunner]:
    """Builds the real pipeline without the HTTP app: registry, router, tools, guardrails, graph.

    Call it with ``AgentSettings`` overrides (and ``tools={...}`` for ``ToolSettings``).
    """
    async with AsyncExitStack() as stack:
        http = await stack.enter_async_context(aiohttp.ClientSession())

        async def build(tools: dict[str, Any] | None = None, **agent: Any) -> AgentRunner:
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                environment="test",
                **agent_settings(models_file, searx.url, tools, **agent),
            )
            store = create_store(settings.store)
            stack.push_async_callback(store.close)
            models = load_registry(settings.providers)
            router = Router(models, http, store, settings.providers)
            registry = await create_tool_registry(settings.tools, http)
            stack.push_async_callback(registry.aclose)
            return create_agent(settings, router=router, models=models, tools=registry)

        yield build


@pytest.fixture
async def runner(build_runner: BuildRunner) -> AgentRunner:
    return await build_runner()


@pytest.fixture
def app(backend: Backend, models_file: Path, searx: FakeSearx) -> FastAPI:
    groups = agent_settings(models_file, searx.url)
    return create_app(build_settings(backend, security={"master_key": MASTER_KEY}, **groups))
