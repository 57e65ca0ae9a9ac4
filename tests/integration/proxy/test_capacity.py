"""Deployment rpm/tpm caps through the proxy: skip the full one, 429 when all are full, shared."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from llm_gateway.app import create_app
from llm_gateway.core.store import Store, create_store
from llm_gateway.fake_upstream import FakeUpstream
from llm_gateway.services.routing.capacity import CAPACITY_KEY, RESERVE_CAPACITY, WINDOW_MS
from tests.backends import Backend
from tests.conftest import build_settings
from tests.integration.proxy.conftest import AUTH, proxy_settings


def capacity_yaml(base: str) -> str:
    openai = f"base_url: '{base}/v1'"
    return f"""
version: 1
aliases:
  capped:
    deployments:
      - {{provider: openai, model: cap-a, {openai}, weight: 100, rpm: 2}}
      - {{provider: openai, model: cap-b, {openai}, weight: 0.001}}
  full:
    deployments:
      - {{provider: openai, model: full-a, {openai}, rpm: 1}}
      - {{provider: openai, model: full-b, {openai}, tpm: 200}}
  shared:
    deployments: [{{provider: openai, model: shared, {openai}, rpm: 2}}]
"""


@pytest.fixture
def models_file(fake: FakeUpstream, tmp_path: Path) -> Path:
    path = tmp_path / "models.yaml"
    path.write_text(capacity_yaml(fake.base_url), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
async def whole_window() -> None:
    """Start each test with at least 5 s left in the minute, so counts never reset mid-test."""
    left = 60 - time.time() % 60  # the store's clock is this machine's (Redis runs locally)
    if left < 5:
        await asyncio.sleep(left + 0.1)


@pytest.fixture
async def store(backend: Backend) -> AsyncIterator[Store]:
    s = create_store(build_settings(backend).store)
    yield s
    await s.close()


def chat(model: str, **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": "hello"}], **extra}


async def post(client: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
    return await client.post("/v1/chat/completions", json=body, headers=AUTH)


async def test_full_deployment_stops_being_chosen_and_the_other_serves(
    client: httpx.AsyncClient, fake: FakeUpstream
) -> None:
    served = []
    for _ in range(4):
        response = await post(client, chat("capped"))
        assert response.status_code == 200
        served.append(response.headers["x-gateway-deployment"])
    assert served == ["capped/openai/0"] * 2 + ["capped/openai/1"] * 2
    assert (len(fake.requests("cap-a")), len(fake.requests("cap-b"))) == (2, 2)


async def test_all_full_is_429_with_retry_after(
    client: httpx.AsyncClient, fake: FakeUpstream
) -> None:
    for _ in range(2):  # one request fills full-a, 150 reserved tokens fill full-b's 200
        assert (await post(client, chat("full", max_tokens=150))).status_code == 200
    response = await post(client, chat("full", max_tokens=150))
    assert response.status_code == 429
    error = response.json()["error"]
    assert error["code"] == "deployment_capacity"
    assert error["type"] == "rate_limit_error"
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert len(fake.requests("full-a")) + len(fake.requests("full-b")) == 2


async def test_script_counts_requests_and_tokens_per_window(store: Store) -> None:
    async def reserve(tokens: int, *caps: tuple[int, int]) -> list[int]:
        keys = [f"{CAPACITY_KEY}script-{i}" for i in range(len(caps))]
        args: list[Any] = [WINDOW_MS, tokens]
        for rpm, tpm in caps:
            args += [rpm, tpm]
        result = await store.run_script(RESERVE_CAPACITY, keys, args)
        return [int(x) for x in result]

    # The Lua script and its Python twin agree: first with room wins, 0 when all are full.
    first = await reserve(10, (1, -1), (-1, 25))
    assert first[0] == 1
    assert 0 < first[1] <= WINDOW_MS
    assert (await reserve(10, (1, -1), (-1, 25)))[0] == 2
    assert (await reserve(10, (1, -1), (-1, 25)))[0] == 2
    assert (await reserve(10, (1, -1), (-1, 25)))[0] == 0  # 30 tokens would exceed 25


async def test_counts_are_shared_between_instances(
    backend: Backend, models_file: Path, fake: FakeUpstream
) -> None:
    if backend.redis_url is None:
        pytest.skip("the in-process store is per instance by design")
    namespace = f"{backend.namespace}shared-capacity:"
    apps = [
        create_app(proxy_settings(backend, models_file, store={"namespace": namespace}))
        for _ in range(2)
    ]
    async with LifespanManager(apps[0]) as one, LifespanManager(apps[1]) as two:
        clients = [
            httpx.AsyncClient(transport=httpx.ASGITransport(app=m.app), base_url="http://gw")
            for m in (one, two)
        ]
        async with clients[0], clients[1]:
            assert (await post(clients[0], chat("shared"))).status_code == 200
            assert (await post(clients[1], chat("shared"))).status_code == 200
            third = await post(clients[0], chat("shared"))
            assert third.status_code == 429
            assert third.json()["error"]["code"] == "deployment_capacity"
            assert len(fake.requests("shared")) == 2
