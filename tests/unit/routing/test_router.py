"""Router behaviour: retries, no retry on 4xx, Retry-After, fallbacks, cooldowns, streams, 503."""

from __future__ import annotations

import random
from typing import Any, cast

import aiohttp
import pytest

from llm_gateway.core.config import ProviderSettings
from llm_gateway.core.exceptions import InvalidRequestError, NotFoundError, ServiceUnavailableError
from llm_gateway.core.store.memory import MemoryStore
from llm_gateway.providers.base import UpstreamCallError
from llm_gateway.providers.registry import ModelInfo
from llm_gateway.services.routing import Router, RouteTrace
from tests.unit.routing.fakes import (
    ScriptedAdapter,
    alias,
    chat_request,
    registry,
    upstream_error,
)


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def make_router(
    adapter: ScriptedAdapter,
    *aliases: ModelInfo,
    store: MemoryStore | None = None,
    sleeps: Sleeps | None = None,
    **settings: Any,
) -> Router:
    values: dict[str, Any] = {
        "num_retries": 2,
        "cooldown_failures": 3,
        "cooldown_sync_interval_s": 0,
    }
    values.update(settings)
    return Router(
        registry(adapter, *aliases),
        cast(aiohttp.ClientSession, None),
        store or MemoryStore("t:"),
        ProviderSettings(**values),
        rng=random.Random(7),
        sleep=sleeps or Sleeps(),
    )


async def test_success_records_one_attempt_and_the_serving_deployment() -> None:
    adapter = ScriptedAdapter()
    router = make_router(adapter, alias("m", ["a"]))
    trace = RouteTrace()
    response = await router.chat(chat_request("m"), trace)
    assert response["served_by"] == "m/a"
    assert (trace.alias, trace.deployment, trace.upstream_model) == ("m", "m/a", "a")
    assert [(a.deployment, a.outcome) for a in trace.attempts] == [("m/a", "ok")]


async def test_retryable_failure_moves_to_another_deployment_without_waiting() -> None:
    adapter = ScriptedAdapter()
    adapter.script("m/a", upstream_error(500))
    adapter.script("m/b", upstream_error(500))
    sleeps = Sleeps()
    router = make_router(adapter, alias("m", ["a", "b"]), sleeps=sleeps)
    trace = RouteTrace()
    first = await router.chat(chat_request("m"), trace)
    # Both deployments failed once; the third attempt waits (backoff) then retries one of them.
    assert sorted(adapter.calls[:2]) == ["m/a", "m/b"]
    assert first["served_by"] in ("m/a", "m/b")
    assert [a.outcome for a in trace.attempts] == ["error", "error", "ok"]
    assert len(sleeps.calls) == 1
    assert 0 <= sleeps.calls[0] <= 0.25


async def test_client_errors_from_upstream_are_not_retried() -> None:
    adapter = ScriptedAdapter()
    adapter.script("m/a", upstream_error(400))
    router = make_router(adapter, alias("m", ["a", "b"], fallbacks=["f"]), alias("f", ["x"]))
    trace = RouteTrace()
    with pytest.raises(UpstreamCallError) as caught:
        await router.chat(chat_request("m"), trace)
    assert caught.value.status_code == 400
    assert len(adapter.calls) == 1
    assert trace.attempts[0].upstream_status == 400


async def test_gateway_client_errors_from_the_adapter_pass_through() -> None:
    adapter = ScriptedAdapter()
    adapter.script("m/a", InvalidRequestError("nope", param="seed"))
    router = make_router(adapter, alias("m", ["a"]))
    with pytest.raises(InvalidRequestError):
        await router.chat(chat_request("m"), RouteTrace())
    assert adapter.calls == ["m/a"]


async def test_retry_after_is_honoured_on_the_same_deployment() -> None:
    adapter = ScriptedAdapter()
    adapter.script("m/a", upstream_error(429, retry_after_s=1.5))
    sleeps = Sleeps()
    router = make_router(adapter, alias("m", ["a"]), sleeps=sleeps)
    trace = RouteTrace()
    await router.chat(chat_request("m"), trace)
    assert sleeps.calls == [1.5]
    assert [a.error_code for a in trace.attempts] == ["upstream_rate_limited", None]


async def test_retry_after_beyond_the_cap_falls_back_instead_of_waiting() -> None:
    adapter = ScriptedAdapter()
    adapter.script("m/a", upstream_error(429, retry_after_s=120))
    sleeps = Sleeps()
    router = make_router(
        adapter, alias("m", ["a"], fallbacks=["f"]), alias("f", ["x"]), sleeps=sleeps
    )
    trace = RouteTrace()
    response = await router.chat(chat_request("m"), trace)
    assert response["served_by"] == "f/x"
    assert sleeps.calls == []
    assert (trace.alias, trace.deployment) == ("f", "f/x")


async def test_fallback_alias_serves_after_retries_are_exhausted() -> None:
    adapter = ScriptedAdapter()
    adapter.script("m/a", *[upstream_error(503)] * 3)
    router = make_router(
        adapter, alias("m", ["a"], fallbacks=["f"]), alias("f", ["x"]), cooldown_failures=10
    )
    trace = RouteTrace()
    response = await router.chat(chat_request("m"), trace)
    assert response["served_by"] == "f/x"
    assert adapter.calls == ["m/a", "m/a", "m/a", "f/x"]
    assert [a.alias for a in trace.attempts] == ["m", "m", "m", "f"]


async def test_all_deployments_failing_is_a_503_naming_them() -> None:
    adapter = ScriptedAdapter()
    adapter.script("m/a", *[upstream_error(500)] * 5)
    adapter.script("f/x", *[TimeoutError()] * 5)
    router = make_router(
        adapter, alias("m", ["a"], fallbacks=["f"]), alias("f", ["x"]), cooldown_failures=10
    )
    trace = RouteTrace()
    with pytest.raises(ServiceUnavailableError) as caught:
        await router.chat(chat_request("m"), trace)
    message = caught.value.message
    assert "m/a (upstream_unavailable)" in message
    assert "f/x (upstream_timeout)" in message
    assert caught.value.code == "all_deployments_failed"
    assert len(trace.attempts) == 6
    assert trace.deployment is None


async def test_unknown_alias_is_model_not_found() -> None:
    router = make_router(ScriptedAdapter(), alias("m", ["a"]))
    with pytest.raises(NotFoundError) as caught:
        await router.chat(chat_request("nope"), RouteTrace())
    assert caught.value.code == "model_not_found"
    assert "m" in caught.value.message


async def test_cooldown_takes_a_failing_deployment_out_of_rotation() -> None:
    adapter = ScriptedAdapter()
    adapter.script("m/a", *[upstream_error(500)] * 2)
    router = make_router(adapter, alias("m", ["a", "b"]), cooldown_failures=2, num_retries=1)
    # Each request: "a" may fail then "b" serves. After two failures "a" cools down.
    for _ in range(6):
        await router.chat(chat_request("m"), RouteTrace())
    failures_of_a = adapter.calls.count("m/a")
    assert failures_of_a == 2
    assert router.cooldowns.remaining_s("m/a") > 0
    adapter.calls.clear()
    for _ in range(5):
        await router.chat(chat_request("m"), RouteTrace())
    assert adapter.calls == ["m/b"] * 5


async def test_cooling_deployments_give_a_503_with_retry_after() -> None:
    adapter = ScriptedAdapter()
    adapter.script("m/a", *[upstream_error(500)] * 3)
    router = make_router(adapter, alias("m", ["a"]), cooldown_failures=3, cooldown_s=30)
    with pytest.raises(ServiceUnavailableError):
        await router.chat(chat_request("m"), RouteTrace())
    adapter.calls.clear()
    with pytest.raises(ServiceUnavailableError) as caught:
        await router.chat(chat_request("m"), RouteTrace())
    assert adapter.calls == []  # fails fast: nothing sent upstream
    assert caught.value.code == "no_healthy_deployment"
    assert "cooling down m/a" in caught.value.message
    assert 1 <= int(caught.value.headers["Retry-After"]) <= 30


async def test_cooldown_is_shared_by_routers_on_the_same_store() -> None:
    store = MemoryStore("shared:")
    adapter = ScriptedAdapter()
    adapter.script("m/a", *[upstream_error(500)] * 3)
    first = make_router(adapter, alias("m", ["a", "b"]), store=store, num_retries=0)
    second = make_router(adapter, alias("m", ["a", "b"]), store=store, num_retries=0)
    while adapter.scripts["m/a"]:
        try:
            await first.chat(chat_request("m"), RouteTrace())
        except ServiceUnavailableError:
            pass
    adapter.calls.clear()
    for _ in range(5):
        await second.chat(chat_request("m"), RouteTrace())
    assert adapter.calls == ["m/b"] * 5


async def test_stream_failure_before_the_first_chunk_is_retried() -> None:
    adapter = ScriptedAdapter()
    adapter.script("m/a", upstream_error(502))
    router = make_router(adapter, alias("m", ["a"]))
    trace = RouteTrace()
    async with await router.chat_stream(chat_request("m"), trace) as stream:
        chunks = [c async for c in stream]
    assert [c["i"] for c in chunks] == [0, 1, 2]
    assert [a.outcome for a in trace.attempts] == ["error", "ok"]
    assert router.stats.in_flight == {}


async def test_stream_failure_after_the_first_chunk_is_raised_not_retried() -> None:
    adapter = ScriptedAdapter()
    adapter.stream_fail_after["m/a"] = (1, upstream_error(500))
    router = make_router(adapter, alias("m", ["a", "b"]))
    trace = RouteTrace()
    stream = await router.chat_stream(chat_request("m"), trace)
    seen = []

    async def consume() -> None:
        async with stream:
            async for chunk in stream:
                seen.append(chunk["i"])

    with pytest.raises(UpstreamCallError):
        await consume()
    assert seen == [0]
    assert len(trace.attempts) == 1
    assert "m/a" in adapter.closed
    assert router.stats.in_flight == {}


async def test_unexpected_adapter_exception_is_a_502() -> None:
    adapter = ScriptedAdapter()
    adapter.script("m/a", KeyError("choices"))
    router = make_router(adapter, alias("m", ["a"]))
    with pytest.raises(UpstreamCallError) as caught:
        await router.chat(chat_request("m"), RouteTrace())
    assert (caught.value.status_code, caught.value.code) == (502, "bad_upstream_response")


async def test_embeddings_go_through_the_same_routing() -> None:
    adapter = ScriptedAdapter()
    adapter.script("e/a", upstream_error(500))
    router = make_router(adapter, alias("e", ["a", "b"]))
    trace = RouteTrace()
    response = await router.embed({"model": "e", "input": "x"}, trace)
    assert response["served_by"] == "e/b"
    assert len(trace.attempts) == 2
