"""Background work that must not delay a reply: titles, summaries, and turns outliving a client.

One ``BackgroundJobs`` lives on ``AppState.chat_jobs``. Keyed jobs run at most once at a time per
key; a submission while one runs schedules exactly one re-run afterwards (new turns arrived while
a summary was being written). Shutdown drains everything for a bounded time, then cancels.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from llm_gateway.core.logging import get_logger

_log = get_logger("llm_gateway.chat.jobs")

JobFactory = Callable[[], Awaitable[None]]


class BackgroundJobs:
    """A small supervisor for fire-and-forget coroutines owned by the app lifespan."""

    def __init__(self, concurrency: int) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        self._tasks: set[asyncio.Task[None]] = set()
        self._running: dict[str, asyncio.Task[None]] = {}
        self._again: dict[str, JobFactory] = {}
        self._closed = False

    def submit(self, key: str, factory: JobFactory) -> bool:
        """Run ``factory()`` soon unless shutting down; False when it was not scheduled."""
        if self._closed:
            return False
        if key in self._running:
            self._again[key] = factory
            return True
        task = asyncio.create_task(self._run(key, factory), name=f"chat-job:{key}")
        self._running[key] = task
        self._track(task)
        return True

    def spawn(self, name: str, coroutine: Awaitable[None]) -> asyncio.Task[None]:
        """Supervise an unkeyed coroutine (a chat turn that must finish saving its message)."""

        async def run() -> None:
            await coroutine

        task = asyncio.create_task(run(), name=name)
        self._track(task)
        return task

    def _track(self, task: asyncio.Task[None]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, key: str, factory: JobFactory) -> None:
        try:
            async with self._slots:
                await factory()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            _log.warning("background job failed", job=key, error=f"{type(exc).__name__}: {exc}")
        finally:
            self._running.pop(key, None)
            again = self._again.pop(key, None)
            if again is not None:
                self.submit(key, again)

    async def join(self) -> None:
        """Wait until no job is running or queued (jobs may schedule follow-ups)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self, timeout_s: float) -> None:
        """Stop accepting work, wait up to ``timeout_s`` for running jobs, cancel the rest."""
        self._closed = True
        self._again.clear()
        try:
            await asyncio.wait_for(self.join(), timeout_s)
        except TimeoutError:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
            _log.warning("background jobs cancelled at shutdown")
