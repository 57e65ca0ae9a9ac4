"""The agent handle builds the runner once, on first use, however many requests arrive first."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from typing import Any, cast

import pytest

from llm_gateway.agent.events import AgentEvent, TokenEvent
from llm_gateway.agent.lazy import LazyAgent
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


async def test_a_failed_build_is_retried_by_the_next_request() -> None:
    attempts: list[int] = []

    def build() -> AgentRunner:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("artefact unreadable")
        return cast(AgentRunner, StubRunner())

    agent = LazyAgent(build)
    with pytest.raises(RuntimeError, match="artefact unreadable"):
        await agent.get()
    assert not agent.built
    await agent.get()
    assert len(attempts) == 2


async def test_run_builds_then_streams_the_runners_events() -> None:
    agent = LazyAgent(lambda: cast(AgentRunner, StubRunner()))
    messages = [{"role": "user", "content": "hello"}]
    events = [e async for e in agent.run(messages, principal())]
    assert events == [TokenEvent("hello")]
    assert agent.built
