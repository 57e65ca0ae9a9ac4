"""``/v1/responses`` is metered like the other routes: usage rows, rate limits, budgets."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from llm_gateway.app import create_app
from llm_gateway.fake_upstream import FakeUpstream
from llm_gateway.state import AppState
from tests.backends import Backend
from tests.integration.quotas.support import (
    MASTER,
    chat,
    quota_settings,
    usage_records,
    write_registry,
)

LIMITS = {
    "requests_per_minute": 3,
    "tokens_per_minute": 100_000,
    "max_concurrent": 10,
    "monthly_budget_usd": 1.0,
}


@pytest.fixture
def app(backend: Backend, fake: FakeUpstream, tmp_path: Path) -> FastAPI:
    models = write_registry(tmp_path, fake.base_url)
    return create_app(
        quota_settings(
            backend, models, {"enterprise": LIMITS}, quotas={"usage": {"flush_interval_s": 0.05}}
        )
    )


async def test_each_call_leaves_a_priced_usage_row(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    plain = await client.post(
        "/v1/responses", json={"model": "cheap", "input": "hello there"}, headers=MASTER
    )
    assert plain.status_code == 200, plain.text
    assert plain.headers["x-ratelimit-remaining-requests"] == "2"
    async with client.stream(
        "POST",
        "/v1/responses",
        json={"model": "cheap", "input": "hello there", "stream": True},
        headers=MASTER,
    ) as streamed:
        assert streamed.headers["x-ratelimit-remaining-requests"] == "1"
        await streamed.aread()
    ours = {plain.headers["x-request-id"], streamed.headers["x-request-id"]}
    # Only this test's rows: a session-wide gateway of other tests may share the database.
    rows = [r for r in await usage_records(app_state) if r.request_id in ours]
    assert [(r.endpoint, r.stream, r.status_code) for r in rows] == [
        ("/v1/responses", False, 200),
        ("/v1/responses", True, 200),
    ]
    usage = plain.json()["usage"]
    first = rows[0]
    assert first.request_id == plain.headers["x-request-id"]
    assert (first.prompt_tokens, first.completion_tokens) == (
        usage["input_tokens"],
        usage["output_tokens"],
    )
    # cheap: $1 per 1M input, $2 per 1M output.
    expected = (usage["input_tokens"] * 1.0 + usage["output_tokens"] * 2.0) / 1_000_000
    assert first.cost_usd == pytest.approx(expected)
    assert (first.alias, first.source) == ("cheap", "proxy")
    assert rows[1].completion_tokens == usage["output_tokens"]
    assert not rows[1].tokens_estimated


async def test_the_request_limit_answers_429_in_openai_shape(client: httpx.AsyncClient) -> None:
    body = {"model": "cheap", "input": "hi"}
    codes = [
        (await client.post("/v1/responses", json=body, headers=MASTER)).status_code
        for _ in range(3)
    ]
    assert codes == [200] * 3
    refused = await client.post("/v1/responses", json={**body, "stream": True}, headers=MASTER)
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == "rate_limit_exceeded"
    assert error["request_id"] == refused.headers["x-request-id"]
    assert "retry-after" in refused.headers


async def test_an_exhausted_budget_blocks_the_next_response(client: httpx.AsyncClient) -> None:
    # "mini" output costs $0.25/token: two 2-token chat answers spend the whole $1.00 budget,
    # which the Responses API shares.
    for _ in range(2):
        spent = await client.post(
            "/v1/chat/completions", json=chat("mini", max_tokens=2), headers=MASTER
        )
        assert spent.status_code == 200, spent.text
    refused = await client.post(
        "/v1/responses", json={"model": "mini", "input": "hi"}, headers=MASTER
    )
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "insufficient_quota"
