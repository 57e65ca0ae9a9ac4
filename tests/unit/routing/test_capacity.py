"""Deployment rpm/tpm caps: full deployments are skipped, and all full is a 429 with Retry-After."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import pytest

from llm_gateway.core.exceptions import RateLimitError
from llm_gateway.core.store.base import MemoryData, ScriptArg, ScriptResult, StoreScript
from llm_gateway.core.store.memory import MemoryStore
from llm_gateway.providers.registry import ModelInfo
from llm_gateway.services.routing import RouteTrace
from tests.unit.routing.fakes import ScriptedAdapter, alias, chat_request
from tests.unit.routing.test_router import make_router

MID_MINUTE = 28_333_334 * 60 + 30.0  # a fixed store clock, so no test straddles two windows


class Clock:
    def __init__(self, now: float = MID_MINUTE) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class CountingStore(MemoryStore):
    """Records capacity script runs, to prove uncapped deployments never touch the store."""

    def __init__(self, data: MemoryData | None = None) -> None:
        super().__init__("t:", data or MemoryData(clock=Clock()))
        self.scripts: list[str] = []

    async def run_script(
        self, script: StoreScript, keys: Sequence[str], args: Sequence[ScriptArg] = ()
    ) -> ScriptResult:
        if script.name == "router_reserve_capacity":
            self.scripts.append(script.name)
        return await super().run_script(script, keys, args)


def capped(info: ModelInfo, **caps: dict[str, int]) -> ModelInfo:
    """``info`` with caps per deployment suffix, e.g. ``a={"rpm": 1}``."""
    deployments = tuple(dataclasses.replace(d, **caps.get(d.model, {})) for d in info.deployments)
    return dataclasses.replace(info, deployments=deployments)


def request(model: str, **extra: Any) -> dict[str, Any]:
    return {**chat_request(model), **extra}


async def test_full_deployment_is_skipped_for_the_other_one() -> None:
    adapter = ScriptedAdapter()
    store = CountingStore()
    m = capped(alias("m", [("a", 100.0), ("b", 0.001)]), a={"rpm": 2})
    router = make_router(adapter, m, store=store)
    served = [(await router.chat(request("m"), RouteTrace()))["served_by"] for _ in range(4)]
    assert served == ["m/a", "m/a", "m/b", "m/b"]
    assert store.scripts == ["router_reserve_capacity"] * 4  # one round trip per selection


async def test_uncapped_deployments_never_touch_the_store() -> None:
    adapter = ScriptedAdapter()
    store = CountingStore()
    router = make_router(adapter, alias("m", ["a", "b"]), store=store)
    for _ in range(3):
        await router.chat(request("m"), RouteTrace())
    assert store.scripts == []


async def test_full_alias_falls_back_to_the_next_alias() -> None:
    adapter = ScriptedAdapter()
    primary = capped(alias("p", ["a"], fallbacks=["q"]), a={"rpm": 1})
    router = make_router(adapter, primary, alias("q", ["b"]), store=CountingStore())
    first = await router.chat(request("p"), RouteTrace())
    trace = RouteTrace()
    second = await router.chat(request("p"), trace)
    assert (first["served_by"], second["served_by"]) == ("p/a", "q/b")
    assert trace.alias == "q"
    assert adapter.calls == ["p/a", "q/b"]


async def test_all_full_is_a_429_with_retry_after_until_the_window_ends() -> None:
    adapter = ScriptedAdapter()
    clock = Clock(MID_MINUTE + 10)  # 40 s into a minute: 20 s until the window frees
    store = MemoryStore("t:", MemoryData(clock=clock))
    m = capped(alias("m", ["a", "b"]), a={"rpm": 1}, b={"rpm": 1})
    router = make_router(adapter, m, store=store)
    for _ in range(2):
        await router.chat(request("m"), RouteTrace())
    with pytest.raises(RateLimitError) as caught:
        await router.chat(request("m"), RouteTrace())
    assert caught.value.code == "deployment_capacity"
    assert caught.value.headers["Retry-After"] == "20"
    assert "m/a" in caught.value.message
    assert "m/b" in caught.value.message
    assert sorted(adapter.calls) == ["m/a", "m/b"]  # the third call never went upstream
    clock.now += 20  # a new minute: both have room again
    assert (await router.chat(request("m"), RouteTrace()))["served_by"] in ("m/a", "m/b")


async def test_tpm_counts_prompt_plus_max_tokens() -> None:
    adapter = ScriptedAdapter()
    m = capped(alias("m", [("a", 100.0), ("b", 0.001)]), a={"tpm": 250})
    router = make_router(adapter, m, store=CountingStore())
    served = [
        (await router.chat(request("m", max_tokens=100), RouteTrace()))["served_by"]
        for _ in range(3)
    ]
    assert served == ["m/a", "m/a", "m/b"]  # ~110 tokens each: a third does not fit in 250


async def test_without_max_tokens_the_alias_output_cap_is_reserved() -> None:
    adapter = ScriptedAdapter()
    # The fake alias caps output at 1024 tokens, so one call without max_tokens fills 1100.
    m = capped(alias("m", [("a", 100.0), ("b", 0.001)]), a={"tpm": 1100})
    m = dataclasses.replace(
        m,
        deployments=tuple(dataclasses.replace(d, max_output_tokens=1024) for d in m.deployments),
    )
    router = make_router(adapter, m, store=CountingStore())
    served = [(await router.chat(request("m"), RouteTrace()))["served_by"] for _ in range(2)]
    assert served == ["m/a", "m/b"]


async def test_a_request_larger_than_the_whole_tpm_is_admitted_into_an_empty_window() -> None:
    adapter = ScriptedAdapter()
    router = make_router(adapter, capped(alias("m", ["a"]), a={"tpm": 50}), store=CountingStore())
    response = await router.chat(request("m", max_tokens=500), RouteTrace())
    assert response["served_by"] == "m/a"
    with pytest.raises(RateLimitError):
        await router.chat(request("m", max_tokens=1), RouteTrace())


async def test_streams_and_embeddings_count_too() -> None:
    adapter = ScriptedAdapter()
    router = make_router(adapter, capped(alias("m", ["a"]), a={"rpm": 2}), store=CountingStore())
    stream = await router.chat_stream(request("m", stream=True), RouteTrace())
    await stream.aclose()
    await router.embed({"model": "m", "input": ["one", "two"]}, RouteTrace())
    with pytest.raises(RateLimitError):
        await router.chat(request("m"), RouteTrace())
