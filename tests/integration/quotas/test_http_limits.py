"""Quotas through the proxy: headers, exact bursts, 429 shapes, budgets, model access, slots."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from llm_gateway.app import create_app
from llm_gateway.fake_upstream import Behaviour, FakeUpstream
from llm_gateway.services.auth.principal import ALL_SCOPES, Principal
from llm_gateway.state import AppState
from tests.backends import Backend
from tests.integration.quotas.support import (
    ANTHROPIC_MASTER,
    MASTER,
    chat,
    quota_settings,
    serve,
    write_registry,
)

RATE_HEADERS = (
    "x-ratelimit-limit-requests",
    "x-ratelimit-remaining-requests",
    "x-ratelimit-reset-requests",
    "x-ratelimit-limit-tokens",
    "x-ratelimit-remaining-tokens",
    "x-ratelimit-reset-tokens",
)
MASTER_PRINCIPAL = Principal(
    auth_method="master_key", role="admin", tier="enterprise", scopes=ALL_SCOPES
)
ENTERPRISE = {
    "requests_per_minute": 5,
    "tokens_per_minute": 10_000,
    "monthly_budget_usd": 1.0,
    "max_concurrent": 50,
    "allowed_model_tiers": ["small"],
}
ONE_SLOT = {"requests_per_minute": 100, "tokens_per_minute": 10_000, "max_concurrent": 1}


@pytest.fixture
def app(backend: Backend, fake: FakeUpstream, tmp_path: Path) -> FastAPI:
    models = write_registry(tmp_path, fake.base_url)
    return create_app(quota_settings(backend, models, {"enterprise": ENTERPRISE}))


async def _master_usage(state: AppState) -> tuple[int, int | None, float, int]:
    (subject,) = state.quotas.resolver.subjects(MASTER_PRINCIPAL)
    usage = await state.quotas.peek(subject)
    return (
        usage.requests_last_minute,
        usage.tokens_available,
        usage.spent_this_month_usd,
        usage.concurrent,
    )


async def test_every_proxied_response_carries_openai_rate_headers(
    client: httpx.AsyncClient,
) -> None:
    first = await client.post("/v1/chat/completions", json=chat(), headers=MASTER)
    assert first.status_code == 200, first.text
    assert all(name in first.headers for name in RATE_HEADERS)
    assert first.headers["x-ratelimit-limit-requests"] == "5"
    assert first.headers["x-ratelimit-remaining-requests"] == "4"
    assert first.headers["x-ratelimit-reset-requests"] == "1m0s"
    assert first.headers["x-ratelimit-limit-tokens"] == "10000"
    async with client.stream(
        "POST", "/v1/chat/completions", json=chat(stream=True), headers=MASTER
    ) as streamed:
        assert streamed.status_code == 200
        assert streamed.headers["x-ratelimit-remaining-requests"] == "3"
        await streamed.aread()
    messages = await client.post(
        "/v1/messages",
        json={"model": "cheap", "max_tokens": 50, "messages": [{"role": "user", "content": "hi"}]},
        headers=ANTHROPIC_MASTER,
    )
    assert messages.status_code == 200, messages.text
    assert messages.headers["x-ratelimit-remaining-requests"] == "2"
    # Anthropic's own family, with resets as RFC 3339 instants (what the anthropic SDK reads).
    assert messages.headers["anthropic-ratelimit-requests-limit"] == "5"
    assert messages.headers["anthropic-ratelimit-requests-remaining"] == "2"
    assert messages.headers["anthropic-ratelimit-tokens-limit"] == "10000"
    assert int(messages.headers["anthropic-ratelimit-tokens-remaining"]) < 10_000
    reset = datetime.fromisoformat(messages.headers["anthropic-ratelimit-requests-reset"])
    assert timedelta(0) < reset - datetime.now(UTC) <= timedelta(seconds=61)
    assert "anthropic-ratelimit-tokens-reset" in messages.headers


async def test_a_request_that_can_never_fit_is_refused_without_retry(
    client: httpx.AsyncClient,
) -> None:
    # 10,000 tokens per minute; Claude Code-sized requests reserve far more than that.
    body = {
        "model": "cheap",
        "max_tokens": 20,
        "messages": [{"role": "user", "content": "x " * 50_000}],
    }
    refused = await client.post("/v1/messages", json=body, headers=ANTHROPIC_MASTER)
    assert refused.status_code == 413, refused.text  # neither SDK retries a 413
    assert refused.headers["x-should-retry"] == "false"
    assert "retry-after" not in refused.headers
    error = refused.json()["error"]
    assert error["type"] == "request_too_large"
    assert "tokens per minute limit" in error["message"]
    assert "max_tokens" in error["message"]  # what to change
    # The OpenAI route says the same in OpenAI's shape.
    openai = await client.post(
        "/v1/chat/completions",
        json=chat(text="x " * 50_000),
        headers=MASTER,
    )
    assert openai.status_code == 413
    assert openai.json()["error"]["code"] == "request_exceeds_limit"


async def test_burst_admits_exactly_the_limit_and_refuses_the_rest(
    client: httpx.AsyncClient,
) -> None:
    responses = await asyncio.gather(
        *(client.post("/v1/chat/completions", json=chat(), headers=MASTER) for _ in range(20))
    )
    codes = [r.status_code for r in responses]
    assert codes.count(200) == 5
    assert codes.count(429) == 15
    refused = next(r for r in responses if r.status_code == 429)
    error = refused.json()["error"]
    assert error["code"] == "rate_limit_exceeded"
    assert error["type"] == "rate_limit_error"
    assert "requests per minute" in error["message"]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["x-ratelimit-remaining-requests"] == "0"


async def test_anthropic_clients_get_anthropic_shaped_429(client: httpx.AsyncClient) -> None:
    body = {"model": "cheap", "max_tokens": 20, "messages": [{"role": "user", "content": "hi"}]}
    codes = [
        (await client.post("/v1/messages", json=body, headers=ANTHROPIC_MASTER)).status_code
        for _ in range(5)
    ]
    assert codes == [200] * 5
    refused = await client.post("/v1/messages", json=body, headers=ANTHROPIC_MASTER)
    assert refused.status_code == 429
    assert refused.json()["type"] == "error"
    assert refused.json()["error"]["type"] == "rate_limit_error"
    assert "retry-after" in refused.headers


async def test_tokens_are_reserved_then_reconciled_with_actual_usage(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    response = await client.post("/v1/chat/completions", json=chat(max_tokens=2000), headers=MASTER)
    assert response.status_code == 200
    reserved_left = int(response.headers["x-ratelimit-remaining-tokens"])
    assert reserved_left <= 10_000 - 2000  # prompt estimate + max_tokens held during the call
    usage = response.json()["usage"]
    await app_state.usage.wait_idle()
    _, available, _, concurrent = await _master_usage(app_state)
    assert available is not None
    # After settlement only the real usage is held (plus a little refill since).
    assert available >= 10_000 - usage["total_tokens"]
    assert available > reserved_left
    assert concurrent == 0


async def test_budget_exhaustion_blocks_the_next_request(client: httpx.AsyncClient) -> None:
    # "mini" output costs $0.25/token: two 2-token answers spend the whole $1.00 budget.
    for _ in range(2):
        ok = await client.post(
            "/v1/chat/completions", json=chat("mini", max_tokens=2), headers=MASTER
        )
        assert ok.status_code == 200, ok.text
        assert ok.json()["usage"]["completion_tokens"] == 2
    refused = await client.post(
        "/v1/chat/completions", json=chat("mini", max_tokens=2), headers=MASTER
    )
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "insufficient_quota"
    assert refused.json()["error"]["type"] == "insufficient_quota"
    assert "budget" in refused.json()["error"]["message"]
    assert int(refused.headers["retry-after"]) > 0


async def test_a_model_outside_the_tier_is_refused(client: httpx.AsyncClient) -> None:
    refused = await client.post("/v1/chat/completions", json=chat("big"), headers=MASTER)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "model_not_allowed"


async def test_failed_calls_release_their_slot_and_refund_tokens(
    client: httpx.AsyncClient, app_state: AppState, fake: FakeUpstream
) -> None:
    fake.script("cheap", Behaviour(kind="status", status=500, times=3))
    for _ in range(3):
        failed = await client.post("/v1/chat/completions", json=chat(), headers=MASTER)
        assert failed.status_code >= 500
    requests, available, spent, concurrent = await _master_usage(app_state)
    assert (requests, concurrent, spent) == (3, 0, 0.0)
    assert available == 10_000  # nothing was generated, everything refunded


async def test_concurrent_calls_beyond_the_slots_are_refused(
    backend: Backend, fake: FakeUpstream, tmp_path: Path
) -> None:
    models = write_registry(tmp_path, fake.base_url)
    app = create_app(quota_settings(backend, models, {"enterprise": ONE_SLOT}))
    fake.set_knobs(latency_s=0.3)
    async with serve(app) as served, httpx.AsyncClient(base_url=served.base_url) as http:
        first, second = await asyncio.gather(
            http.post("/v1/chat/completions", json=chat(), headers=MASTER),
            http.post("/v1/chat/completions", json=chat(), headers=MASTER),
        )
        assert sorted([first.status_code, second.status_code]) == [200, 429]
        refused = first if first.status_code == 429 else second
        assert "concurrent" in refused.json()["error"]["message"]
        fake.set_knobs(latency_s=0.0)
        assert (await http.post("/v1/chat/completions", json=chat(), headers=MASTER)).is_success


async def test_client_disconnect_mid_stream_releases_the_slot(
    backend: Backend, fake: FakeUpstream, tmp_path: Path
) -> None:
    models = write_registry(tmp_path, fake.base_url)
    app = create_app(quota_settings(backend, models, {"enterprise": ONE_SLOT}))
    fake.set_knobs(inter_token_s=0.2, reply_words=200)
    async with serve(app) as served, httpx.AsyncClient(base_url=served.base_url) as http:
        for _ in range(3):  # with one slot, a leaked slot would refuse the next stream
            async with http.stream(
                "POST", "/v1/chat/completions", json=chat(stream=True), headers=MASTER
            ) as response:
                assert response.status_code == 200
                async for _ in response.aiter_bytes():
                    break  # first chunk, then hang up
            for _ in range(100):  # finalize runs once the server notices the hang-up
                if (await _master_usage(served.state))[3] == 0:
                    break
                await asyncio.sleep(0.05)
            assert (await _master_usage(served.state))[3] == 0
        fake.set_knobs(inter_token_s=0.0, reply_words=None)
        after = await http.post("/v1/chat/completions", json=chat(), headers=MASTER)
        assert after.status_code == 200
