"""The agent runner behind a handle that builds it once, on first use.

The compiled graph pulls in LangGraph, langchain-core and the intent stack (~50 MB resident): a
gateway that only proxies never needs them. The lifespan creates the handle (and builds at once
with ``LLMGW_AGENT__PRELOAD=true``); the first ``"model": "auto"`` or /chat request builds it in a
worker thread, so the event loop keeps serving proxied calls meanwhile. Concurrent first requests
wait for the one build (a lock), never build twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import aclosing
from typing import TYPE_CHECKING, Any

from llm_gateway.agent.context import AUTO_MODEL, AgentOptions
from llm_gateway.agent.events import AgentEvent
from llm_gateway.services.auth.principal import Principal

if TYPE_CHECKING:
    from llm_gateway.agent.runner import AgentRunner


class LazyAgent:
    """Builds the ``AgentRunner`` on the first ``get`` (once, under a lock) and keeps it."""

    def __init__(self, build: Callable[[], AgentRunner]) -> None:
        self._build = build
        self._runner: AgentRunner | None = None
        self._lock = asyncio.Lock()

    @property
    def built(self) -> bool:
        return self._runner is not None

    async def get(self) -> AgentRunner:
        """The runner, built off the event loop by the first caller; the others wait for it."""
        runner = self._runner
        if runner is None:
            async with self._lock:
                runner = self._runner
                if runner is None:
                    runner = await asyncio.to_thread(self._build)
                    self._runner = runner
        return runner

    async def run(
        self,
        messages: Sequence[Mapping[str, Any]],
        principal: Principal,
        requested_model: str = AUTO_MODEL,
        options: AgentOptions | None = None,
    ) -> AsyncIterator[AgentEvent]:
        """``AgentRunner.run`` once the runner exists (the ``ChatAgent`` port of /chat)."""
        runner = await self.get()
        async with aclosing(runner.run(messages, principal, requested_model, options)) as events:
            async for event in events:
                yield event
