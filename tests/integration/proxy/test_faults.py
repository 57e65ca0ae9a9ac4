"""Faults injected in the fake upstream are retried, failed over, or reported as specified."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from asgi_lifespan import LifespanManager

from llm_gateway.app import create_app
from llm_gateway.core.exceptions import RateLimitError
from llm_gateway.fake_upstream import Behaviour, FakeUpstream
from llm_gateway.services.proxy import hooks
from llm_gateway.services.proxy.context import CallContext
from llm_gateway.state import AppState
from tests.backends import Backend
from tests.integration.proxy.conftest import ANTHROPIC_AUTH, AUTH, Finalized, proxy_settings


def chat(model: str = "chat", **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": "hello"}], **extra}


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


async def post(client: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
    return await client.post("/v1/chat/completions", json=body, headers=AUTH)


async def test_429_is_retried_after_the_upstream_retry_after(
    client: httpx.AsyncClient, app_state: AppState, fake: FakeUpstream
) -> None:
    sleeps = Sleeps()
    app_state.router.sleep = sleeps
    fake.script("demo", Behaviour("status", status=429, retry_after_s=1.5))
    response = await post(client, chat())
    assert response.status_code == 200
    assert response.headers["x-gateway-attempts"] == "2"
    assert sleeps.calls == [1.5]
    assert len(fake.requests("demo")) == 2


async def test_500_is_retried(client: httpx.AsyncClient, fake: FakeUpstream) -> None:
    fake.script("demo", Behaviour("status", status=500))
    response = await post(client, chat())
    assert response.status_code == 200
    assert response.headers["x-gateway-attempts"] == "2"


async def test_timeout_is_retried(
    client: httpx.AsyncClient, fake: FakeUpstream, finalized: Finalized
) -> None:
    fake.script("slow", Behaviour("hang", seconds=30))
    response = await post(client, chat("slow"))
    assert response.status_code == 200
    attempts = finalized.last.attempts
    assert [(a.outcome, a.error_code) for a in attempts] == [
        ("timeout", "upstream_timeout"),
        ("ok", None),
    ]


async def test_connection_refused_moves_to_a_live_deployment(client: httpx.AsyncClient) -> None:
    response = await post(client, chat("half-dead"))
    assert response.status_code == 200
    assert response.headers["x-gateway-deployment"] == "half-dead/openai/1"


async def test_400_from_upstream_is_passed_on_without_retry(
    client: httpx.AsyncClient, fake: FakeUpstream
) -> None:
    fake.script("demo", Behaviour("status", status=400, message="prompt too spicy"))
    response = await post(client, chat())
    assert response.status_code == 400
    assert "prompt too spicy" in response.json()["error"]["message"]
    assert len(fake.requests("demo")) == 1


async def test_fallback_alias_serves_when_the_primary_keeps_failing(
    client: httpx.AsyncClient, fake: FakeUpstream
) -> None:
    fake.script("primary", Behaviour("status", status=503, times=3))
    response = await post(client, chat("primary"))
    assert response.status_code == 200
    assert response.headers["x-gateway-model"] == "backup"
    assert response.headers["x-gateway-attempts"] == "4"
    assert response.json()["model"] == "backup"


async def test_everything_failing_is_503_naming_deployments_then_cooldown_fails_fast(
    client: httpx.AsyncClient, fake: FakeUpstream
) -> None:
    fake.script("backup", Behaviour("status", status=500, times=10))
    first = await post(client, chat("backup"))
    assert first.status_code == 503
    error = first.json()["error"]
    assert error["code"] == "all_deployments_failed"
    assert "backup/openai/0" in error["message"]
    assert len(fake.requests("backup")) == 3
    second = await post(client, chat("backup"))
    assert second.status_code == 503
    assert second.json()["error"]["code"] == "no_healthy_deployment"
    assert "Retry-After" in second.headers
    assert len(fake.requests("backup")) == 3  # the breaker is open: nothing sent upstream


async def test_unreachable_only_deployment_is_503(client: httpx.AsyncClient) -> None:
    response = await post(client, chat("dead"))
    assert response.status_code == 503
    assert "dead/openai/0 (upstream_unavailable)" in response.json()["error"]["message"]


async def test_cooldown_is_shared_between_instances(
    backend: Backend, models_file: Path, fake: FakeUpstream
) -> None:
    if backend.redis_url is None:
        pytest.skip("the in-process store is per instance by design")
    namespace = f"{backend.namespace}shared-cooldown:"
    apps = [
        create_app(proxy_settings(backend, models_file, store={"namespace": namespace}))
        for _ in range(2)
    ]
    fake.script("backup", Behaviour("status", status=500, times=10))
    async with LifespanManager(apps[0]) as one, LifespanManager(apps[1]) as two:
        clients = [
            httpx.AsyncClient(transport=httpx.ASGITransport(app=m.app), base_url="http://gw")
            for m in (one, two)
        ]
        async with clients[0], clients[1]:
            assert (await post(clients[0], chat("backup"))).status_code == 503
            sent = len(fake.requests("backup"))
            response = await post(clients[1], chat("backup"))
            assert response.json()["error"]["code"] == "no_healthy_deployment"
            assert len(fake.requests("backup")) == sent


async def test_upstream_garbage_is_retried_like_a_5xx(
    client: httpx.AsyncClient, fake: FakeUpstream
) -> None:
    """Before: a 200 with a malformed body was answered 502 at once, neither retried nor failed
    over."""
    fake.script("demo", Behaviour("non_json"), Behaviour("malformed"))
    response = await post(client, chat())
    assert response.status_code == 200, response.text
    assert response.headers["x-gateway-attempts"] == "3"


async def test_mid_stream_failure_ends_with_an_openai_error_event(
    client: httpx.AsyncClient, fake: FakeUpstream, finalized: Finalized
) -> None:
    fake.script("demo", Behaviour("disconnect", after_chunks=2))
    response = await post(client, chat(stream=True))
    assert response.status_code == 200
    payloads = [e.removeprefix("data: ") for e in response.text.strip().split("\n\n")]
    assert "[DONE]" not in payloads
    assert orjson.loads(payloads[0])["object"] == "chat.completion.chunk"
    error = orjson.loads(payloads[-1])["error"]
    assert error["code"] == "upstream_disconnected"
    assert finalized.last.error_code == "upstream_disconnected"
    assert len(fake.requests("demo")) == 1  # nothing is retried once bytes reached the client


async def test_mid_stream_failure_ends_with_an_anthropic_error_event(
    client: httpx.AsyncClient, fake: FakeUpstream
) -> None:
    fake.script("claude-fake", Behaviour("stream_error", after_chunks=3))
    body = {"model": "claude", "max_tokens": 50, "stream": True, "messages": chat()["messages"]}
    response = await client.post("/v1/messages", json=body, headers=ANTHROPIC_AUTH)
    blocks = response.text.strip().split("\n\n")
    assert blocks[0].startswith("event: message_start")
    assert blocks[-1].startswith("event: error\n")
    error = orjson.loads(blocks[-1].split("data: ", 1)[1])
    assert error["type"] == "error"
    assert error["error"]["type"] == "api_error"


async def test_before_upstream_can_refuse_with_429_in_each_format(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, fake: FakeUpstream
) -> None:
    async def limited(state: AppState, ctx: CallContext, request: dict[str, Any]) -> None:
        ctx.response_headers["x-ratelimit-remaining-requests"] = "0"
        raise RateLimitError("Rate limit reached for requests", retry_after_s=7)

    monkeypatch.setattr(hooks, "before_upstream", limited)
    response = await post(client, chat())
    assert response.status_code == 429
    assert response.json()["error"]["type"] == "rate_limit_error"
    assert response.headers["retry-after"] == "7"
    assert response.headers["x-ratelimit-remaining-requests"] == "0"
    body = {"model": "chat", "max_tokens": 5, "messages": chat()["messages"]}
    anthropic = await client.post("/v1/messages", json=body, headers=ANTHROPIC_AUTH)
    assert anthropic.status_code == 429
    assert anthropic.json()["error"]["type"] == "rate_limit_error"
    assert fake.requests() == []


async def test_headers_set_before_upstream_reach_the_client(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def annotate(state: AppState, ctx: CallContext, request: dict[str, Any]) -> None:
        ctx.response_headers["x-ratelimit-limit-requests"] = "100"

    monkeypatch.setattr(hooks, "before_upstream", annotate)
    plain = await post(client, chat())
    streamed = await post(client, chat(stream=True))
    assert plain.headers["x-ratelimit-limit-requests"] == "100"
    assert streamed.headers["x-ratelimit-limit-requests"] == "100"


async def test_finalize_runs_once_per_request_on_every_outcome(
    client: httpx.AsyncClient, fake: FakeUpstream, finalized: Finalized
) -> None:
    fake.script("backup", Behaviour("status", status=500, times=3))
    await post(client, chat())
    await post(client, chat("backup"))
    await post(client, chat("nope"))
    await client.post("/v1/chat/completions", json=chat())
    outcomes = [(c.status_code, c.error_code) for c in finalized.calls]
    assert outcomes == [
        (200, None),
        (503, "all_deployments_failed"),
        (404, "model_not_found"),
        (401, "invalid_api_key"),
    ]
    assert all(c.ended_at is not None for c in finalized.calls)
