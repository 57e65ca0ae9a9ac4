"""Chat fixtures: the fake upstream behind a two-alias registry, an agent double, two users."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.requests import HTTPConnection

from llm_gateway.app import create_app
from llm_gateway.fake_upstream import FakeUpstream
from llm_gateway.routers.chat import get_chat_agent
from llm_gateway.state import STATE_KEY
from tests.backends import Backend
from tests.integration.auth.helpers import Account, make_account
from tests.integration.chat.support import chat_settings, registry_yaml


@pytest.fixture
def models_file(fake: FakeUpstream, tmp_path: Path) -> Path:
    path = tmp_path / "models.yaml"
    path.write_text(registry_yaml(fake.base_url), encoding="utf-8")
    return path


@pytest.fixture
def chat_overrides() -> dict[str, Any]:
    """ChatSettings for this module's app (override the fixture to change them)."""
    return {}


def install_agent(app: FastAPI, agents: list[Any], factory: Any) -> None:
    """Replace the app's agent runner with ``factory(state)`` (a test double)."""

    def provide(connection: HTTPConnection) -> Any:
        if not agents:
            agents.append(factory(getattr(connection.state, STATE_KEY)))
        return agents[0]

    app.dependency_overrides[get_chat_agent] = provide


@pytest.fixture
def app(backend: Backend, models_file: Path, chat_overrides: dict[str, Any]) -> FastAPI:
    """The gateway with its real agent runner, talking to the fake upstream."""
    return create_app(chat_settings(backend, models_file, **chat_overrides))


@pytest.fixture
async def alice(client: httpx.AsyncClient) -> Account:
    return await make_account(client, "alice@example.com")


@pytest.fixture
async def bob(client: httpx.AsyncClient) -> Account:
    return await make_account(client, "bob@example.com")
