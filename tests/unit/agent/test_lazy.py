"""The agent handle builds the runner once, on first use, however many requests arrive first."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from typing import Any, cast

import pytest

from llm_gateway.agent.events import AgentEvent, TokenEvent
from llm_gateway.agent.lazy import AgentBuildError, LazyAgent
from llm_gateway.agent.runner import AgentRunner
from tests.unit.agent.fakes import principal


class StubRunner:
    """Answers every run with one token event naming the text it was asked."""

    async def run(self, messages: Any, *_: Any) -> AsyncIterator[AgentEvent]:
        yield TokenEvent(messages[-1]["content"])


async def test_concurrent_first_requests_build_the_agent_once() -> None:
    release = threading.Event()
    builds: list[StubRunner] = []

    def build() -> AgentRunner:
        release.wait(10)  # holds the first build open while the other requests arrive
        builds.append(StubRunner())
        return cast(AgentRunner, builds[-1])

    agent = LazyAgent(build)
    assert not agent.built
    waiting = [asyncio.create_task(agent.get()) for _ in range(8)]
    for _ in range(5):
        await asyncio.sleep(0)  # every task is now inside get(): building or queued on the lock
    release.set()
    runners = await asyncio.gather(*waiting)
    assert len(builds) == 1
    assert all(r is builds[0] for r in runners)
    assert agent.built
    assert await agent.get() is builds[0]


async def test_a_cancelled_first_request_leaves_the_build_to_the_others() -> None:
    release = threading.Event()
    builds: list[StubRunner] = []

    def build() -> AgentRunner:
        release.wait(10)
        builds.append(StubRunner())
        return cast(AgentRunner, builds[-1])

    agent = LazyAgent(build)
    first = asyncio.create_task(agent.get())
    await asyncio.sleep(0)  # the first request has started the build
    first.cancel()  # its client hung up
    with pytest.raises(asyncio.CancelledError):
        await first
    others = [asyncio.create_task(agent.get()) for _ in range(3)]
    await asyncio.sleep(0)
    release.set()
    runners = await asyncio.gather(*others)
    assert len(builds) == 1
    assert all(r is builds[0] for r in runners)


async def test_a_failed_build_reaches_every_waiter_and_the_next_request_retries() -> None:
    release = threading.Event()
    attempts: list[int] = []

    def build() -> AgentRunner:
        attempts.append(1)
        if len(attempts) == 1:
            release.wait(10)
            raise RuntimeError("artefact unreadable")
        return cast(AgentRunner, StubRunner())

    agent = LazyAgent(build)
    waiting = [asyncio.create_task(agent.get()) for _ in range(4)]
    await asyncio.sleep(0)
    release.set()
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert len(attempts) == 1
    for error in results:
        assert isinstance(error, AgentBuildError)
        assert error.status_code == 503
        assert "building its graph failed (RuntimeError" in error.message
        assert isinstance(error.__cause__, RuntimeError)
    assert not agent.built
    await agent.get()
    assert len(attempts) == 2
    assert agent.built


async def test_run_builds_then_streams_the_runners_events() -> None:
    agent = LazyAgent(lambda: cast(AgentRunner, StubRunner()))
    messages = [{"role": "user", "content": "hello"}]
    events = [e async for e in agent.run(messages, principal())]
    assert events == [TokenEvent("hello")]
    assert agent.built
