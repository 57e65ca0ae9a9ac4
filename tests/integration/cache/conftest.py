"""Cache fixtures: a registry whose aliases cache in different ways, on the fake upstream."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from llm_gateway.app import create_app
from llm_gateway.fake_upstream import FakeUpstream
from tests.backends import Backend
from tests.integration.proxy.conftest import proxy_settings


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


@pytest.fixture
def models_file(fake: FakeUpstream, tmp_path: Path) -> Path:
    path = tmp_path / "models.yaml"
    path.write_text(cache_registry(fake.base_url), encoding="utf-8")
    return path


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


def message(model: str, text: str = "what is two plus two?", **extra: Any) -> dict[str, Any]:
    return {
        "model": model,
        "max_tokens": 64,
        "temperature": 0,
        "messages": [{"role": "user", "content": text}],
        **extra,
    }
