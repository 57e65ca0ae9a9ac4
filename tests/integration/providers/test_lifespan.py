"""The lifespan loads the registry into ``AppState.models`` and runs the demo upstream."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from asgi_lifespan import LifespanManager

from llm_gateway.app import create_app
from llm_gateway.core.config import SettingsError
from llm_gateway.fake_upstream import FakeUpstream
from llm_gateway.state import STATE_KEY, AppState
from tests.backends import Backend
from tests.conftest import build_settings

HELLO = {"model": "demo", "messages": [{"role": "user", "content": "hello"}]}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_demo_mode_serves_the_demo_aliases(backend: Backend) -> None:
    port = _free_port()
    settings = build_settings(
        backend, providers={"demo_upstream": True, "demo_upstream_port": port}
    )
    async with LifespanManager(create_app(settings)) as manager:
        state: AppState = manager._state[STATE_KEY]
        for alias in ("demo", "demo-anthropic", "demo-ollama"):
            dep = state.models.get(alias).deployments[0]
            assert f":{port}" in dep.base_url
            response = await state.models.adapter(dep.provider).chat(state.http, dep, HELLO)
            assert response["choices"][0]["message"]["content"] == "You said: hello"


async def test_demo_port_in_use_is_tolerated(backend: Backend) -> None:
    async with FakeUpstream() as already_running:  # e.g. another worker bound it first
        settings = build_settings(
            backend, providers={"demo_upstream": True, "demo_upstream_port": already_running.port}
        )
        async with LifespanManager(create_app(settings)) as manager:
            state: AppState = manager._state[STATE_KEY]
            dep = state.models.get("demo").deployments[0]
            await state.models.adapter(dep.provider).chat(state.http, dep, HELLO)
        assert already_running.requests("demo")  # the existing server answered


async def test_bad_registry_stops_startup(backend: Backend, tmp_path: Path) -> None:
    bad = tmp_path / "models.yaml"
    bad.write_text(
        "aliases:\n  x:\n    deployments:\n      - {provider: openai, model: m, base_url: nope}\n"
    )
    settings = build_settings(backend, providers={"models_file": bad})
    with pytest.raises(
        SettingsError, match=r"models\.yaml:\n  aliases\.x\.deployments\[0\]\.base_url"
    ):
        async with LifespanManager(create_app(settings)):
            pass
