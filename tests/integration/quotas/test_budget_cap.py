"""A budget bounds the spend even when callers set no max_tokens, whatever the concurrency.

Before: 30 concurrent streams without ``max_tokens`` on a $0.01 budget spent $0.0288 (+188 %):
each reserved ``DEFAULT_OUTPUT_TOKENS`` but the upstream wrote as much as it liked.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from llm_gateway.app import create_app
from llm_gateway.fake_upstream import FakeUpstream
from llm_gateway.state import AppState
from tests.backends import Backend
from tests.integration.auth.helpers import make_account
from tests.integration.quotas.support import MINI_PRICE_OUT, chat, quota_settings, write_registry

BUDGET_USD = 10.0
RESERVED_TOKENS = 4  # DEFAULT_OUTPUT_TOKENS: each call reserves 4 x $0.25 = $1
RESERVATION_USD = RESERVED_TOKENS * MINI_PRICE_OUT / 1_000_000


@pytest.fixture
async def fake() -> AsyncIterator[FakeUpstream]:
    async with FakeUpstream(seed=1) as server:
        server.set_knobs(reply_words=100)  # uncapped, every reply is 100 tokens ($25)
        yield server


@pytest.fixture
def app(backend: Backend, fake: FakeUpstream, tmp_path: Path) -> FastAPI:
    settings = quota_settings(
        backend,
        write_registry(tmp_path, fake.base_url),
        {"budget": {"monthly_budget_usd": BUDGET_USD}},
        quotas={"default_output_tokens": RESERVED_TOKENS},
        tools={"code_executor_mode": "disabled"},
    )
    return create_app(settings)


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "plain"])
async def test_concurrent_calls_without_max_tokens_overrun_by_at_most_one_reservation(
    client: httpx.AsyncClient, app_state: AppState, stream: bool
) -> None:
    user = await make_account(client, "spender@example.com")
    body = chat("mini", stream=stream, stream_options={"include_usage": True} if stream else None)
    if not stream:
        body.pop("stream_options")

    async def call() -> int:
        reply = await client.post("/v1/chat/completions", json=body, headers=user.headers)
        await reply.aread()
        return reply.status_code

    codes = await asyncio.gather(*(call() for _ in range(30)))
    assert 200 in codes
    assert 429 in codes  # the budget ran out
    assert await app_state.usage.wait_idle(30)
    usage = (await client.get("/users/me/usage", headers=user.headers)).json()
    spent = usage["totals"]["cost_usd"]
    assert spent <= BUDGET_USD + RESERVATION_USD, (spent, codes)
