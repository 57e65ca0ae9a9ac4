"""Every proxied call leaves one usage record with what a bill and a dashboard need."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from llm_gateway.app import create_app
from llm_gateway.core.database import session_scope
from llm_gateway.fake_upstream import Behaviour, FakeUpstream
from llm_gateway.models.usage import UsageDaily
from llm_gateway.services.auth.principal import ALL_SCOPES, Principal
from llm_gateway.services.proxy.context import CallContext
from llm_gateway.services.quotas import proxy_hooks
from llm_gateway.services.tokens import count_tokens
from llm_gateway.state import AppState
from tests.backends import Backend
from tests.integration.quotas.support import (
    ANTHROPIC_MASTER,
    MASTER,
    chat,
    quota_settings,
    usage_records,
    write_registry,
)

LIMITS = {"requests_per_minute": 100, "tokens_per_minute": 100_000, "max_concurrent": 10}


@pytest.fixture
def app(backend: Backend, fake: FakeUpstream, tmp_path: Path) -> FastAPI:
    models = write_registry(tmp_path, fake.base_url)
    return create_app(
        quota_settings(
            backend, models, {"enterprise": LIMITS}, quotas={"usage": {"flush_interval_s": 0.05}}
        )
    )


async def test_each_kind_of_call_is_recorded(
    client: httpx.AsyncClient, app_state: AppState, fake: FakeUpstream
) -> None:
    plain = await client.post("/v1/chat/completions", json=chat(), headers=MASTER)
    async with client.stream(
        "POST", "/v1/chat/completions", json=chat(stream=True), headers=MASTER
    ) as streamed:
        await streamed.aread()
    await client.post("/v1/embeddings", json={"model": "embed", "input": "hi"}, headers=MASTER)
    await client.post(
        "/v1/messages",
        json={"model": "cheap", "max_tokens": 30, "messages": [{"role": "user", "content": "x"}]},
        headers=ANTHROPIC_MASTER,
    )
    fake.script("cheap", Behaviour(kind="status", status=500))
    failed = await client.post("/v1/chat/completions", json=chat(), headers=MASTER)
    assert failed.status_code >= 500
    rows = await usage_records(app_state)
    assert [r.endpoint for r in rows] == [
        "/v1/chat/completions",
        "/v1/chat/completions",
        "/v1/embeddings",
        "/v1/messages",
        "/v1/chat/completions",
    ]
    first = rows[0]
    usage = plain.json()["usage"]
    assert first.request_id == plain.headers["x-request-id"]
    assert (first.prompt_tokens, first.completion_tokens) == (
        usage["prompt_tokens"],
        usage["completion_tokens"],
    )
    # cheap: $1 per 1M input, $2 per 1M output.
    expected = (usage["prompt_tokens"] * 1.0 + usage["completion_tokens"] * 2.0) / 1_000_000
    assert first.cost_usd == pytest.approx(expected)
    assert (first.alias, first.provider, first.source) == ("cheap", "openai", "proxy")
    assert first.deployment is not None
    assert first.status_code == 200
    assert not first.stream
    assert first.ttft_ms is None
    assert first.latency_ms > 0
    assert first.user_id is None  # the master key has no account
    stream_row = rows[1]
    assert stream_row.stream
    assert stream_row.ttft_ms is not None
    assert stream_row.completion_tokens > 0
    assert not stream_row.tokens_estimated
    assert rows[2].prompt_tokens > 0
    assert rows[2].completion_tokens == 0
    assert rows[4].status_code >= 500
    assert rows[4].error_code is not None
    assert rows[4].cost_usd == 0


async def test_refused_calls_are_recorded_with_their_status(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    refused = await client.post("/v1/chat/completions", json=chat("nope"), headers=MASTER)
    assert refused.status_code == 404
    unauthenticated = await client.post("/v1/chat/completions", json=chat())
    assert unauthenticated.status_code == 401
    rows = await usage_records(app_state)
    assert [(r.status_code, r.error_code, r.alias) for r in rows] == [
        (404, "model_not_found", "nope")
    ]


async def test_an_overlong_model_name_does_not_block_the_writer(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    refused = await client.post("/v1/chat/completions", json=chat("m" * 500), headers=MASTER)
    assert refused.status_code == 404
    served = await client.post("/v1/chat/completions", json=chat(), headers=MASTER)
    assert served.status_code == 200
    rows = await usage_records(app_state)
    assert [(r.status_code, r.alias) for r in rows] == [(404, "m" * 128), (200, "cheap")]
    assert app_state.usage.counters.write_failures == 0


async def test_daily_rollup_matches_theusage_records(
    client: httpx.AsyncClient, app_state: AppState
) -> None:
    for model in ("cheap", "cheap", "mini"):
        await client.post("/v1/chat/completions", json=chat(model), headers=MASTER)
    rows = await usage_records(app_state)
    async with session_scope(app_state.session_factory) as session:
        daily = {d.alias: d for d in (await session.scalars(select(UsageDaily))).all()}
    assert daily["cheap"].requests == 2
    assert daily["mini"].requests == 1
    assert daily["cheap"].prompt_tokens == sum(r.prompt_tokens for r in rows if r.alias == "cheap")
    assert daily["mini"].cost_usd == pytest.approx(rows[2].cost_usd)


async def test_a_stream_without_usage_is_counted_by_the_gateway(app_state: AppState) -> None:
    principal = Principal(
        auth_method="master_key", role="admin", tier="enterprise", scopes=ALL_SCOPES
    )
    request = chat("cheap", text="count these words please", stream=True, max_tokens=300)
    ctx = CallContext(request_id="req_nousage", principal=principal, requested_model="cheap")
    ctx.stream = True
    await proxy_hooks.before_proxy_call(app_state, ctx, request)
    ctx.alias, ctx.deployment, ctx.provider = "cheap", "cheap/openai/0", "openai"
    for piece in ("one two ", "three four ", "five six"):  # as the relay sees the chunks
        ctx.observe_chunk({"choices": [{"index": 0, "delta": {"content": piece}}]})
    ctx.observe_chunk({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    ctx.first_byte_at = ctx.started_at + 0.01
    ctx.ended_at = ctx.started_at + 0.02
    await proxy_hooks.after_proxy_call(app_state, ctx)  # upstream sent no usage: ctx.usage None
    (row,) = await usage_records(app_state)
    assert row.tokens_estimated
    assert row.completion_tokens == count_tokens("one two three four five six", None)
    assert row.prompt_tokens > 0
    assert row.cost_usd > 0


def test_a_usage_report_replaces_the_kept_text() -> None:
    ctx = CallContext(request_id="req_usage")
    ctx.observe_chunk({"choices": [{"index": 0, "delta": {"content": "hello"}}]})
    assert ctx.streamed_text() == "hello"
    ctx.observe_chunk({"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 1}})
    assert ctx.streamed_text() is None
    assert ctx.completion_tokens == 1
