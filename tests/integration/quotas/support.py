"""Shared by the quota, usage and admin tests: a priced registry on the fake upstream, settings
with chosen tiers, accounts, and a real uvicorn server on the test's loop (for disconnects)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI
from sqlalchemy import select

from llm_gateway.core.config import Settings
from llm_gateway.core.database import session_scope
from llm_gateway.models.usage import UsageRecord
from llm_gateway.state import STATE_KEY, AppState
from tests.backends import Backend
from tests.conftest import build_settings

MASTER_KEY = "sk-quota-test-master-key-0123456789"
MASTER = {"authorization": f"Bearer {MASTER_KEY}"}
ANTHROPIC_MASTER = {"x-api-key": MASTER_KEY, "anthropic-version": "2023-06-01"}
FAST_ARGON2 = {"argon2_time_cost": 1, "argon2_memory_kib": 64, "argon2_parallelism": 1}
# $ per 1M tokens; "mini" output costs $0.25 per token so budgets run out in a few calls.
MINI_PRICE_OUT = 250_000.0


def registry_yaml(base: str) -> str:
    api = f"base_url: '{base}/v1'"
    return f"""
version: 1
defaults:
  timeouts: {{connect_s: 2, first_byte_s: 10, total_s: 30}}
aliases:
  mini:
    tier: small
    price: {{input: 0.0, output: {MINI_PRICE_OUT}}}
    deployments: [{{provider: openai, model: mini, {api}}}]
  cheap:
    tier: small
    price: {{input: 1.0, output: 2.0}}
    deployments: [{{provider: openai, model: cheap, {api}}}]
  big:
    tier: large
    price: {{input: 10.0, output: 30.0}}
    deployments: [{{provider: openai, model: big, {api}}}]
  embed:
    tier: small
    price: {{input: 0.1}}
    deployments: [{{provider: openai, model: demo-embed, {api}}}]
    capabilities: {{embeddings: true}}
"""


def write_registry(directory: Path, base_url: str) -> Path:
    path = directory / "models.yaml"
    path.write_text(registry_yaml(base_url), encoding="utf-8")
    return path


def quota_settings(
    backend: Backend, models_file: Path, tiers: dict[str, dict[str, Any]], **overrides: Any
) -> Settings:
    """Settings whose tiers are exactly ``tiers`` (the master key uses 'enterprise')."""
    quotas = {
        "tiers": tiers,
        "default_tier": next(iter(tiers)),
        "limit_master_key": True,  # most tests drive the limits with the master key
        **overrides.pop("quotas", {}),
    }
    return build_settings(
        backend,
        providers={"models_file": models_file, "demo_upstream": False, "num_retries": 0},
        security={"master_key": MASTER_KEY, **FAST_ARGON2},
        quotas=quotas,
        **overrides,
    )


def chat(model: str = "cheap", text: str = "hello there", **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": text}], **extra}


@dataclass
class Served:
    base_url: str
    state: AppState


@asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[Served]:
    """Run ``app`` under uvicorn on an ephemeral port, on this event loop."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                await task
                raise RuntimeError("uvicorn exited during startup")
            await asyncio.sleep(0.01)
        lifespan: Any = server.lifespan
        yield Served(f"http://127.0.0.1:{port}", lifespan.state[STATE_KEY])
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)
        sock.close()


async def usage_records(state: AppState) -> list[UsageRecord]:
    """Every usage row, oldest first, once the writer has flushed what it holds."""
    assert await state.usage.wait_idle(10)
    async with session_scope(state.session_factory) as session:
        rows = await session.scalars(select(UsageRecord).order_by(UsageRecord.created_at))
        return list(rows.all())
