"""The agent runner behind a handle that builds it once, on first use.

The compiled graph pulls in LangGraph, langchain-core and the intent stack (~50 MB resident): a
gateway that only proxies never needs them. The lifespan creates the handle (and builds at once
with ``LLMGW_AGENT__PRELOAD=true``); the first ``"model": "auto"`` or /chat request builds it in a
worker thread, so the event loop keeps serving proxied calls meanwhile.

Concurrent first requests wait for one build task, never build twice. Each waits through
``asyncio.shield``: a client that hangs up cancels its own request, not the build the others (and
the thread already running it) are waiting for. A failed build reaches every waiter as a 503 and
is forgotten, so the next request tries again.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import aclosing
from typing import TYPE_CHECKING, Any

from llm_gateway.agent.context import AUTO_MODEL, AgentOptions
from llm_gateway.agent.events import AgentEvent
from llm_gateway.core.exceptions import ServiceUnavailableError
from llm_gateway.core.logging import get_logger
from llm_gateway.services.auth.principal import Principal

if TYPE_CHECKING:
    from llm_gateway.agent.runner import AgentRunner

_log = get_logger(__name__)


class AgentBuildError(ServiceUnavailableError):
    """The agent graph could not be built; the next request that needs it tries again."""

    code = "agent_unavailable"


class LazyAgent:
    """Builds the ``AgentRunner`` on the first ``get`` (one task, whoever waits) and keeps it."""

    def __init__(self, build: Callable[[], AgentRunner]) -> None:
        self._build = build
        self._runner: AgentRunner | None = None
        self._building: asyncio.Task[AgentRunner] | None = None

    @property
    def built(self) -> bool:
        return self._runner is not None

    async def get(self) -> AgentRunner:
        """The runner, built off the event loop by one task; every caller waits for that task.

        Raises:
            AgentBuildError: the build failed (for every caller waiting on it); not cached.
        """
        runner = self._runner
        if runner is not None:
            return runner
        task = self._building
        if task is None:
            task = asyncio.create_task(self._build_once(), name="agent-build")
            task.add_done_callback(self._forget)
            self._building = task
        try:
            # Cancelling a caller (a client that hung up) cancels its wait, never the build.
            return await asyncio.shield(task)
        except Exception as exc:
            raise AgentBuildError(
                f"The agent is unavailable: building its graph failed ({type(exc).__name__}; "
                "the gateway log has the details). The next request will try again."
            ) from exc

    async def _build_once(self) -> AgentRunner:
        runner = await asyncio.to_thread(self._build)
        self._runner = runner
        return runner

    def _forget(self, task: asyncio.Task[AgentRunner]) -> None:
        """Drop the finished task: a built runner is kept, a failure is retried by the next get."""
        self._building = None
        if not task.cancelled() and (exc := task.exception()) is not None:
            # Logged once here, whether or not any caller was still waiting to see it.
            _log.error("agent build failed", error=f"{type(exc).__name__}: {exc}", exc_info=exc)

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
