"""Proxy fixtures: a fake upstream, a registry pointing at it, and the gateway in front of it."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from llm_gateway.app import create_app
from llm_gateway.core.config import Settings
from llm_gateway.fake_upstream import FakeUpstream
from llm_gateway.services.proxy import hooks
from llm_gateway.services.proxy.context import CallContext
from tests.backends import Backend
from tests.conftest import build_settings
from tests.integration.proxy.harness import GatewayThread

MASTER_KEY = "sk-proxy-test-master-key-0123456789"
AUTH = {"authorization": f"Bearer {MASTER_KEY}"}
ANTHROPIC_AUTH = {"x-api-key": MASTER_KEY, "anthropic-version": "2023-06-01"}


def closed_port() -> int:
    """A local port nothing listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def registry_yaml(base: str) -> str:
    """The test registry: every alias served by the fake upstream at ``base``."""
    openai = f"base_url: '{base}/v1'"
    dead = f"base_url: 'http://127.0.0.1:{closed_port()}/v1'"
    return f"""
version: 1
defaults:
  timeouts: {{connect_s: 2, first_byte_s: 10, total_s: 30}}
model_routes:
  - {{match: "claude-*", to: [claude]}}
aliases:
  chat:
    deployments: [{{provider: openai, model: demo, {openai}}}]
    capabilities: {{tools: true, json: true, vision: true}}
  pair:
    routing: least_busy
    deployments:
      - {{provider: openai, model: pair-a, {openai}}}
      - {{provider: openai, model: pair-b, {openai}}}
  half-dead:
    deployments:
      - {{provider: openai, model: unreachable, {dead}, weight: 100}}
      - {{provider: openai, model: alive, {openai}, weight: 0.01}}
  primary:
    deployments: [{{provider: openai, model: primary, {openai}}}]
    fallbacks: [backup]
  backup:
    deployments: [{{provider: openai, model: backup, {openai}}}]
  hung:
    deployments:
      - {{provider: openai, model: hung, {openai},
          timeouts: {{connect_s: 1, first_byte_s: 60, response_s: 0.5, total_s: 30}}}}
    fallbacks: [backup]
  slow:
    deployments:
      - {{provider: openai, model: slow, {openai},
          timeouts: {{connect_s: 1, first_byte_s: 0.5, total_s: 5}}}}
  patient:
    deployments:
      - {{provider: openai, model: patient, {openai},
          timeouts: {{connect_s: 1, first_byte_s: 60, total_s: 120}}}}
  dead:
    deployments: [{{provider: openai, model: dead, {dead}}}]
  claude:
    deployments: [{{provider: anthropic, model: claude-fake, base_url: '{base}'}}]
    capabilities: {{tools: true}}
  llama:
    deployments: [{{provider: ollama, model: llama-fake, base_url: '{base}'}}]
    capabilities: {{tools: true, json: true}}
  embed:
    deployments: [{{provider: openai, model: demo-embed, {openai}}}]
    capabilities: {{embeddings: true}}
  plain:
    deployments: [{{provider: openai, model: plain, {openai}}}]
"""


def proxy_settings(backend: Backend, models_file: Path, **overrides: Any) -> Settings:
    providers = {
        "models_file": models_file,
        "demo_upstream": False,
        "num_retries": 2,
        "retry_backoff_base_s": 0.001,
        "retry_backoff_max_s": 0.01,
        "retry_after_max_s": 5.0,
        "cooldown_failures": 3,
        "cooldown_sync_interval_s": 0.0,
        **overrides.pop("providers", {}),
    }
    return build_settings(
        backend, providers=providers, security={"master_key": MASTER_KEY}, **overrides
    )


@pytest.fixture
def models_file(fake: FakeUpstream, tmp_path: Path) -> Path:
    path = tmp_path / "models.yaml"
    path.write_text(registry_yaml(fake.base_url), encoding="utf-8")
    return path


@pytest.fixture
def app(backend: Backend, models_file: Path) -> FastAPI:
    return create_app(proxy_settings(backend, models_file))


class Finalized:
    """Every context handed to ``hooks.finalize``, in order."""

    def __init__(self) -> None:
        self.calls: list[CallContext] = []

    @property
    def last(self) -> CallContext:
        return self.calls[-1]


@pytest.fixture
def finalized(monkeypatch: pytest.MonkeyPatch) -> Finalized:
    seen = Finalized()

    async def record(state: object, ctx: CallContext) -> None:
        seen.calls.append(ctx)

    monkeypatch.setattr(hooks, "finalize", record)
    return seen


@pytest.fixture(scope="session")
def gateway(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayThread]:
    """The gateway under uvicorn with its fake upstream, in a background thread (for sync SDKs)."""
    directory = tmp_path_factory.mktemp("gateway")

    def settings_for(base_url: str) -> Settings:
        path = directory / "models.yaml"
        path.write_text(registry_yaml(base_url), encoding="utf-8")
        return proxy_settings(backend, path)

    server = GatewayThread(settings_for)
    server.start()
    try:
        yield server
    finally:
        server.stop()
