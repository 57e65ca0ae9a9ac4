"""When the agent graph is built: on the first ``auto`` request, or at startup when preloaded."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from llm_gateway.app import create_app
from llm_gateway.state import AppState
from tests.backends import Backend
from tests.conftest import build_settings
from tests.integration.agent.conftest import AUTH, MASTER_KEY, FakeSearx, agent_settings


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
