"""Cache fixtures: a registry whose aliases cache in different ways, on the fake upstream; and
semantic layers sharing a store without the app (``semantic_instances.py``)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from llm_gateway.app import create_app
from llm_gateway.cache import ResponseCache
from llm_gateway.cache.semantic.layer import SemanticLayer
from llm_gateway.cache.semantic.verifier import load_verifier
from llm_gateway.core.config import CacheSettings, StoreSettings
from llm_gateway.core.store import Store, create_store
from llm_gateway.fake_upstream import FakeUpstream
from tests.backends import Backend
from tests.integration.cache.semantic_instances import (
    RETRY_S,
    Folding,
    Gate,
    Instance,
    MakeInstance,
)
from tests.integration.proxy.conftest import AUTH, proxy_settings

_run = itertools.count()


def cache_registry(base: str) -> str:
    api = f"base_url: '{base}/v1'"
    return f"""
version: 1
defaults:
  timeouts: {{connect_s: 2, first_byte_s: 10, total_s: 30}}
aliases:
  cached:
    price: {{input: 1.0, output: 2.0}}
    deployments: [{{provider: openai, model: cached-up, {api}}}]
    capabilities: {{tools: true}}
    cache: {{mode: exact, ttl_s: 600}}
  cached-claude:
    deployments: [{{provider: anthropic, model: claude-up, base_url: '{base}'}}]
    cache: {{mode: exact}}
  uncached:
    deployments: [{{provider: openai, model: uncached-up, {api}}}]
  any-temp:
    deployments: [{{provider: openai, model: any-up, {api}}}]
    cache: {{mode: exact, deterministic_only: false}}
  half:
    price: {{input: 1000.0, output: 2000.0}}
    deployments: [{{provider: openai, model: half-up, {api}}}]
    cache: {{mode: exact, hit_price_fraction: 0.5}}
  sem:
    deployments: [{{provider: openai, model: sem-up, {api}}}]
    cache: {{mode: semantic}}
  team:
    deployments: [{{provider: openai, model: team-up, {api}}}]
    cache: {{mode: exact, shared: true}}
  judge:
    deployments: [{{provider: openai, model: judge-up, {api}}}]
"""


def registry_file(fake: FakeUpstream, tmp_path: Path, extra_aliases: str = "") -> Path:
    """``cache_registry`` plus ``extra_aliases`` (YAML under ``aliases:``) as a models file."""
    path = tmp_path / "models.yaml"
    path.write_text(cache_registry(fake.base_url) + extra_aliases, encoding="utf-8")
    return path


@pytest.fixture
def models_file(fake: FakeUpstream, tmp_path: Path) -> Path:
    return registry_file(fake, tmp_path)


@pytest.fixture
def app(backend: Backend, models_file: Path) -> FastAPI:
    usage = {"usage": {"flush_interval_s": 0.05}}
    return create_app(proxy_settings(backend, models_file, quotas=usage))


def chat(model: str, text: str = "what is two plus two?", **extra: Any) -> dict[str, Any]:
    return {
        "model": model,
        "temperature": 0,
        "messages": [{"role": "user", "content": text}],
        **extra,
    }


async def cache_header(client: httpx.AsyncClient, model: str, text: str) -> str:
    """One chat completion through the app: its ``x-gateway-cache`` header (hit, miss...)."""
    r = await client.post("/v1/chat/completions", json=chat(model, text), headers=AUTH)
    assert r.status_code == 200, r.text
    return r.headers["x-gateway-cache"]


def message(model: str, text: str = "what is two plus two?", **extra: Any) -> dict[str, Any]:
    return {
        "model": model,
        "max_tokens": 64,
        "temperature": 0,
        "messages": [{"role": "user", "content": text}],
        **extra,
    }


@pytest.fixture
async def semantic_store(backend: Backend) -> AsyncIterator[Store]:
    """A store of its own (a fresh Redis key namespace) for the instances of one test."""
    namespace = f"{backend.namespace}ibuild{next(_run)}:"
    shared = create_store(StoreSettings(redis_url=backend.redis_url, namespace=namespace))
    yield shared
    await shared.close()


@pytest.fixture
async def instance(semantic_store: Store) -> AsyncIterator[MakeInstance]:
    """Instances on the shared store (as gateway processes would be), closed after. Keyword
    arguments override the ``CacheSettings`` of the instance made."""
    made: list[Instance] = []
    verifier = load_verifier()

    async def make(**overrides: Any) -> Instance:
        settings = CacheSettings(**{"outage_backoff_s": RETRY_S, **overrides})
        layer = SemanticLayer(settings, semantic_store, Folding(), verifier)
        layer.start()
        # Subscribed before the first lookup (subscribing discards builds that ran unsubscribed).
        await asyncio.sleep(0.05)
        made.append(Instance(layer, ResponseCache(settings, semantic_store, layer)))
        return made[-1]

    yield make
    for one in made:
        await one.cache.aclose()


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    held = Gate(monkeypatch)
    yield held
    held.open.set()  # a failed test must not leave a worker thread waiting
