"""The background usage writer: requests enqueue, one task inserts in batches, nothing blocks.

``record`` never awaits and never touches the database. The writer task takes events from a
bounded queue into a pending buffer and inserts a batch every ``flush_interval_s`` or every
``batch_size`` events. While the database is down, events wait in the buffer (bounded by
``buffer_size``); what does not fit spills to a Redis list when the store is Redis, and is replayed
when the database returns (by any instance). Every event dropped is logged and counted. Stopping
(graceful shutdown) drains the queue and writes everything, spilling to Redis what it cannot.

The task is supervised: an unexpected error is logged and counted (``writer_errors``) and the loop
goes on with the records it held. A record the database refuses on its own is isolated
(``isolation.py``) and never blocks the others. ``stalled`` tells readiness when records wait
and nothing has been written for ``stall_after_s``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from llm_gateway.core.config import UsageSettings
from llm_gateway.core.database import session_scope
from llm_gateway.core.logging import get_logger
from llm_gateway.core.store import Store
from llm_gateway.repositories import usage as usage_repo
from llm_gateway.services.usage.isolation import PoisonIsolator, describe, is_outage
from llm_gateway.services.usage.record import UsageEvent
from llm_gateway.services.usage.spill import SpillOver, WriterCounters

_log = get_logger("llm_gateway.usage")


class UsageWriter:
    """One per process, created and stopped by the app lifespan."""

    def __init__(
        self,
        settings: UsageSettings,
        session_factory: async_sessionmaker[AsyncSession],
        store: Store | None = None,
    ) -> None:
        self.settings = settings
        # Public so an operator tool (or a test) can point the writer at another database.
        self.session_factory = session_factory
        self.counters = WriterCounters()
        self._spill = SpillOver(settings, store, self.counters)
        self._queue: asyncio.Queue[UsageEvent] = asyncio.Queue(maxsize=settings.queue_size)
        self._pending: deque[UsageEvent] = deque()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # Called with every accepted event before it is queued (the metrics); must not raise.
        self.observers: list[Callable[[UsageEvent], None]] = []
        # Called with (records, seconds) after each batch is stored (the metrics).
        self.batch_observers: list[Callable[[int, float], None]] = []
        self.database_ok = True
        self._writing = False
        self._last_progress = time.monotonic()
        self.isolator = PoisonIsolator(session_factory)

    # --- request side ------------------------------------------------------------------------

    def record(self, event: UsageEvent) -> None:
        """Enqueue one event; never blocks. A full queue drops it (logged and counted)."""
        for observe in self.observers:
            observe(event)
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self._spill.drop(1, "usage queue full")

    @property
    def backlog(self) -> int:
        """Events accepted but not yet in the database (queue + buffer; spill not included)."""
        return self._queue.qsize() + len(self._pending)

    @property
    def stalled_s(self) -> float:
        """Seconds records have waited with nothing written (0 when idle or writing fine)."""
        if not self.backlog:
            self._last_progress = time.monotonic()
            return 0.0
        return time.monotonic() - self._last_progress

    @property
    def problem(self) -> str | None:
        """Why the writer is not doing its job right now, or None (readiness reads this)."""
        if self._task is not None and self._task.done():
            return "usage writer task is not running"
        stalled = self.stalled_s
        if stalled > self.settings.stall_after_s:
            return f"usage writer stalled: {self.backlog} records unwritten for {stalled:.0f}s"
        return None

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        self._task = asyncio.create_task(self._supervise(), name="usage-writer")

    async def stop(self) -> None:
        """Write (or spill) everything still held; bounded by ``shutdown_timeout_s``."""
        if self._task is None:
            return
        self._stopping.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), self.settings.shutdown_timeout_s)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            await self._spill.push(self._take_everything(), "shutdown timed out")
        self._task = None

    async def wait_idle(self, timeout_s: float = 10.0) -> bool:
        """Wait until nothing is queued or buffered (for tests and tools); False on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while self.backlog or self._writing:
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(0.02)
        return True

    # --- writer task -------------------------------------------------------------------------

    async def _supervise(self) -> None:
        """Run the loop; an unexpected error is logged and counted, and the loop goes on."""
        while True:
            try:
                await self._run()
                return
            except Exception:
                self.counters.writer_errors += 1
                self._writing = False
                _log.exception("usage writer error; continuing", held=self.backlog)
                if self._stopping.is_set():
                    await self._spill.push(self._take_everything(), "usage writer failed")
                    return
                await self._sleep(min(1.0, self.settings.retry_max_s))

    def _take_everything(self) -> list[UsageEvent]:
        self._take_all()
        events = list(self._pending)
        self._pending.clear()
        return events

    async def _run(self) -> None:
        delay = 0.0
        while not self._stopping.is_set():
            if delay:
                await self._sleep(delay)
            else:
                await self._collect()
            if not self.database_ok:
                self._take_all()  # drain the queue so requests never drop records
            if not self._pending:
                await self._replay()
                continue
            if await self._write_pending():
                delay = 0.0
                await self._replay()
            else:
                # Still down: what the buffer cannot hold spills (or is dropped, counted).
                await self._bound_buffer()
                delay = min(
                    max(delay * 2, self.settings.flush_interval_s), self.settings.retry_max_s
                )
        await self._final_flush()

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _collect(self) -> None:
        """Wait for a first event, then up to ``flush_interval_s`` or a full batch."""
        loop = asyncio.get_running_loop()
        if not await self._next_event(5.0 if self._spill.enabled else None):
            return
        deadline = loop.time() + self.settings.flush_interval_s
        while len(self._pending) < self.settings.batch_size:
            self._take(self.settings.batch_size - len(self._pending))
            remaining = deadline - loop.time()
            if len(self._pending) >= self.settings.batch_size or remaining <= 0:
                return
            if not await self._next_event(remaining):
                return

    async def _next_event(self, wait_s: float | None) -> bool:
        """Move one event into the buffer; False on timeout or stop."""
        if not self._queue.empty():
            self._pending.append(self._queue.get_nowait())
            return True
        getter = asyncio.ensure_future(self._queue.get())
        stopper = asyncio.ensure_future(self._stopping.wait())
        done, _ = await asyncio.wait(
            {getter, stopper}, timeout=wait_s, return_when=asyncio.FIRST_COMPLETED
        )
        stopper.cancel()
        if getter in done:
            self._pending.append(getter.result())
            return True
        getter.cancel()
        return False

    def _take_all(self) -> None:
        while not self._queue.empty():
            self._pending.append(self._queue.get_nowait())

    def _take(self, count: int) -> None:
        for _ in range(min(count, self._queue.qsize())):
            self._pending.append(self._queue.get_nowait())

    async def _bound_buffer(self) -> None:
        excess = len(self._pending) - self.settings.buffer_size
        if excess > 0:
            overflow = [self._pending.popleft() for _ in range(excess)]
            await self._spill.push(overflow, "usage buffer full while the database is down")

    async def _write_pending(self) -> bool:
        """Write the buffer batch by batch; stop at the first failure (the rest stays)."""
        while self._pending:
            batch = [
                self._pending[i] for i in range(min(self.settings.batch_size, len(self._pending)))
            ]
            if not await self._write(batch):
                return False
            for _ in batch:
                self._pending.popleft()
        return True

    async def _write(self, batch: Sequence[UsageEvent]) -> bool:
        """Store ``batch``; False (batch kept, back off) only when the database is unreachable."""
        self._writing = True
        started = time.perf_counter()
        try:
            failure = await self._insert(batch)
            if failure is not None:
                # Refused while the database answers: a poison record, not an outage.
                self.isolator.session_factory = self.session_factory
                if (
                    is_outage(failure)
                    or not await self.isolator.database_answers()
                    or not await self.isolator.isolate(batch, failure, self._insert)
                ):
                    self._database_down(failure)
                    return False
                self.counters.dead_lettered = self.isolator.isolated
        finally:
            self._writing = False
        if not self.database_ok:
            _log.info("usage writes recovered", buffered=len(self._pending))
        self.database_ok = True
        self._last_progress = time.monotonic()
        for observe in self.batch_observers:
            observe(len(batch), time.perf_counter() - started)
        return True

    async def _insert(self, batch: Sequence[UsageEvent]) -> BaseException | None:
        try:
            async with session_scope(self.session_factory) as session:
                written = await usage_repo.insert_batch(session, batch)
        except Exception as exc:  # classified by the caller (outage or poison record)
            return exc
        self.counters.written += written  # committed: a rolled-back batch is never counted
        return None

    def _database_down(self, error: BaseException) -> None:
        self.counters.write_failures += 1
        if self.database_ok:
            _log.error(
                "usage writes failing; buffering records",
                error=describe(error),
                buffered=len(self._pending),
            )
        self.database_ok = False

    async def _replay(self) -> None:
        """Move spilled events back into the database while it answers."""
        if not self._spill.enabled or not self.database_ok:
            return
        while not self._stopping.is_set():
            batch = await self._spill.pop(self.settings.batch_size)
            if not batch:
                return
            if not await self._write(batch):
                await self._spill.push(batch, "replay failed", count=False)
                return
            self.counters.replayed += len(batch)

    async def _final_flush(self) -> None:
        self._take_all()
        if self._pending and not await self._write_pending():
            await self._spill.push(self._take_everything(), "database down at shutdown")
