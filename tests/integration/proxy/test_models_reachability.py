"""``GET /v1/models`` leaves out (or marks) aliases the gateway cannot reach right now.

Before: the list came from the configuration alone, so with the upstream down every alias was
still offered, and a client picking from the list got 503s. An alias counts as unreachable when
every one of its deployments is cooling down after repeated failures (its breaker is open).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from llm_gateway.app import create_app
from llm_gateway.fake_upstream import FakeUpstream
from tests.backends import Backend
from tests.conftest import truncate_all
from tests.integration.proxy.conftest import AUTH, proxy_settings


@pytest.fixture(params=["omit", "mark"])
async def gateway(
    request: pytest.FixtureRequest, backend: Backend, models_file: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    mode: str = request.param
    settings = proxy_settings(backend, models_file, providers={"unavailable_models": mode})
    try:
        async with LifespanManager(create_app(settings), shutdown_timeout=30) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
                yield client, mode
    finally:
        await truncate_all(backend.database_url)


async def _listed(client: httpx.AsyncClient, **headers: str) -> dict[str, dict[str, Any]]:
    reply = await client.get("/v1/models", headers={**AUTH, **headers})
    assert reply.status_code == 200, reply.text
    return {m["id"]: m for m in reply.json()["data"]}


async def test_aliases_on_a_downed_upstream_leave_the_list(
    gateway: tuple[httpx.AsyncClient, str], fake: FakeUpstream
) -> None:
    client, mode = gateway
    before = await _listed(client)
    assert {"chat", "plain"} <= set(before)
    await fake.stop()  # the upstream goes down
    for _ in range(2):  # each call tries 3 times: the breaker opens after 3 failures
        failed = await client.post(
            "/v1/chat/completions",
            json={"model": "chat", "messages": [{"role": "user", "content": "hi"}]},
            headers=AUTH,
        )
        assert failed.status_code in (502, 503), failed.text
    for listed in (await _listed(client), await _listed(client, **{"anthropic-version": "x"})):
        assert "plain" in listed  # not tried yet: nothing says it is down
        if mode == "omit":
            assert "chat" not in listed
        else:
            assert listed["chat"]["available"] is False
            assert listed["chat"]["available_in_s"] > 0
            assert listed["plain"]["available"] is True
    one = await client.get("/v1/models/chat", headers=AUTH)
    assert one.status_code == 200  # looking one model up still answers
