"""Whole runs over time: tokens stream live, cancellation stops them, failures end them once,
and every upstream request shows in the final state."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from llm_gateway.agent.context import AgentOptions
from llm_gateway.agent.events import AgentEvent, DoneEvent, ErrorEvent, TokenEvent
from llm_gateway.agent.ports import ChatRequest, ChatResponse, Permits, UpstreamAttempt
from llm_gateway.agent.runner import AgentRunner
from llm_gateway.core.config import GuardrailSettings
from llm_gateway.core.exceptions import UpstreamError
from tests.unit.agent.fakes import FakeIntent, FakeLLM, make_deps, principal

_STREAMED = AgentOptions(stream=True)


class HeldStream:
    """Streams one chunk, then waits for ``release`` before the rest; records its own fate."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.chunks_sent = 0
        self.closed = False

    async def chat(
        self,
        request: ChatRequest,
        attempts: list[UpstreamAttempt] | None = None,
        permits: Permits | None = None,
    ) -> ChatResponse:
        raise UpstreamError("only streams here")

    async def chat_stream(
        self,
        request: ChatRequest,
        attempts: list[UpstreamAttempt] | None = None,
        permits: Permits | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        try:
            for i in range(50):
                if i == 1:
                    await self.release.wait()
                self.chunks_sent += 1
                delta = {"content": f"w{i} "}
                yield {"choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
            yield {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        finally:
            self.closed = True  # the upstream response is released (or the call cancelled)


def _runner(llm: Any) -> AgentRunner:
    # No output guard: its window would (rightly) hold the first word back.
    return AgentRunner(make_deps(llm, guardrails=GuardrailSettings(agent_output=False)))


def _user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


async def _first_token(events: AsyncIterator[AgentEvent]) -> TokenEvent:
    async for event in events:
        if isinstance(event, TokenEvent):
            return event
    raise AssertionError("the run ended without a token")


async def test_tokens_reach_the_caller_while_the_model_is_still_producing() -> None:
    upstream = HeldStream()
    events = _runner(upstream).run(_user("hello"), principal(), options=_STREAMED)
    # The upstream is parked after its first chunk: a buffering pipeline would never get here.
    first = await asyncio.wait_for(_first_token(events), timeout=10)
    assert first.text == "w0 "
    assert upstream.chunks_sent == 1
    upstream.release.set()
    rest = [e async for e in events]
    assert isinstance(rest[-1], DoneEvent)
    assert rest[-1].content.startswith("w0 w1 ")


@pytest.mark.parametrize("how", ["cancel", "aclose"])
async def test_a_caller_leaving_mid_stream_stops_the_graph_and_the_upstream_call(
    how: str,
) -> None:
    upstream = HeldStream()
    events = _runner(upstream).run(_user("hello"), principal(), options=_STREAMED)
    await asyncio.wait_for(_first_token(events), timeout=10)
    if how == "cancel":  # the disconnect watcher cancels the request task
        waiting = asyncio.create_task(anext(events))  # type: ignore[arg-type]
        await asyncio.sleep(0)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
    else:  # a transport that stops reading (/chat closes the generator)
        await events.aclose()  # type: ignore[attr-defined]
    await asyncio.sleep(0)
    assert upstream.closed
    upstream.release.set()  # nothing is waiting for it any more
    await asyncio.sleep(0.01)
    assert upstream.chunks_sent == 1


async def test_a_failing_large_alias_is_tried_once_not_until_the_step_limit() -> None:
    # Too long for the small model's window, so the run needs the large one; when that is down
    # the small one cannot take over, and the upstream error (not a loop) must end the run.
    down = UpstreamError("down", code="all_deployments_failed", status_code=503)
    llm = FakeLLM(replies={"large": lambda r: down})
    runner = AgentRunner(make_deps(llm))
    run = await runner.execute(_user("filler " * 10_000), principal("pro"))
    error = run.terminal
    assert isinstance(error, ErrorEvent)
    assert (error.code, error.status_code) == ("all_deployments_failed", 503)
    assert [r["model"] for r in llm.requests] == ["large"]


async def test_an_unexpected_failure_still_ends_the_run_with_one_error_event() -> None:
    def broken(request: ChatRequest) -> ChatResponse:
        raise RuntimeError("bug in an adapter")

    runner = AgentRunner(make_deps(FakeLLM(default=broken)))
    run = await runner.execute(_user("hello"), principal())
    error = run.terminal
    assert isinstance(error, ErrorEvent)
    assert (error.code, error.status_code) == ("internal_error", 500)
    assert "bug in an adapter" not in error.message  # internals are logged, not sent
    assert sum(isinstance(e, ErrorEvent) for e in run.events) == 1


class RouterFallsBack(FakeLLM):
    """A router whose 'small' alias is down and that serves it from its configured 'large'."""

    def _answer(self, request: ChatRequest, attempts: list[UpstreamAttempt] | None) -> Any:
        if attempts is not None and request["model"] == "small":
            attempts.append(
                UpstreamAttempt(
                    alias="small", deployment="small/0", ok=False, error_code="503", ms=1.0
                )
            )
            request = {**request, "model": "large"}
        return super()._answer(request, attempts)


@pytest.mark.parametrize("stream", [False, True])
async def test_a_router_fallback_is_announced_before_the_answer(stream: bool) -> None:
    runner = AgentRunner(make_deps(RouterFallsBack()))
    run = await runner.execute(_user("hello"), principal(), options=AgentOptions(stream=stream))
    kinds = [(type(e).__name__, getattr(e, "alias", None)) for e in run.events]
    first_token = kinds.index(("TokenEvent", None))
    assert ("ModelEvent", "large") in kinds[:first_token]  # so headers and chunks name it
    assert kinds.count(("ModelEvent", "large")) == 1
    done = run.terminal
    assert isinstance(done, DoneEvent)
    assert (done.model, done.deployment) == ("large", "large/fake/0")


async def test_the_intent_models_upstream_tries_are_in_the_attempts_too() -> None:
    llm = FakeLLM()
    runner = AgentRunner(make_deps(llm, intent=FakeIntent(use_llm=True)))
    run = await runner.execute(_user("hello"), principal(), options=AgentOptions(stream=False))
    done = run.terminal
    assert isinstance(done, DoneEvent)
    assert len(llm.requests) == 2  # the intent call, then the answer
    attempts = [(a["alias"], a["ok"]) for a in done.metadata["attempts"]]
    assert attempts == [("small", True), ("small", True)]
    assert [s["node"] for s in run.state["steps"]][:2] == ["intent_llm", "intent_analyzer"]
