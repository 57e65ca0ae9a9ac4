"""The background usage writer: requests enqueue, one task inserts in batches, nothing blocks.

``record`` never awaits and never touches the database. The writer task takes events from a
bounded queue into a pending buffer and inserts a batch every ``flush_interval_s`` or every
``batch_size`` events. While the database is down, events wait in the buffer (bounded by
``buffer_size``); what does not fit spills to a Redis list when the store is Redis, and is replayed
when the database returns (by any instance). Every event dropped is logged and counted. Stopping
(graceful shutdown) drains the queue and writes everything, spilling to Redis what it cannot.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from llm_gateway.core.config import UsageSettings
from llm_gateway.core.database import session_scope
from llm_gateway.core.logging import get_logger
from llm_gateway.core.store import Store, StoreUnavailableError
from llm_gateway.repositories import usage as usage_repo
from llm_gateway.services.usage.record import UsageEvent

_log = get_logger("llm_gateway.usage")


@dataclass(slots=True)
class WriterCounters:
    """Process-local counters, shown on the admin dashboard."""

    written: int = 0
    dropped: int = 0
    spilled: int = 0
    replayed: int = 0
    write_failures: int = 0


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
        self._spill = store if store is not None and store.backend_name == "redis" else None
        self._queue: asyncio.Queue[UsageEvent] = asyncio.Queue(maxsize=settings.queue_size)
        self._pending: deque[UsageEvent] = deque()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.counters = WriterCounters()
        # Called with every accepted event before it is queued (the metrics); must not raise.
        self.observers: list[Callable[[UsageEvent], None]] = []
        self.database_ok = True
        self._writing = False
        self._unlogged_drops = 0
        self._last_drop_log = float("-inf")

    # --- request side ------------------------------------------------------------------------

    def record(self, event: UsageEvent) -> None:
        """Enqueue one event; never blocks. A full queue drops it (logged and counted)."""
        for observe in self.observers:
            observe(event)
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self._drop(1, "usage queue full")

    @property
    def backlog(self) -> int:
        """Events accepted but not yet in the database (queue + buffer; spill not included)."""
        return self._queue.qsize() + len(self._pending)

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="usage-writer")

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
            self._take_all()
            await self._spill_or_drop(list(self._pending), "shutdown timed out")
            self._pending.clear()
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

    async def _run(self) -> None:
        delay = 0.0
        while not self._stopping.is_set():
            if delay:
                await self._sleep(delay)
            else:
                await self._collect()
            if not self.database_ok:
                # Drain the queue so requests never drop records; the buffer bound spills.
                self._take_all()
                await self._bound_buffer()
            if not self._pending:
                await self._replay()
                continue
            if await self._write_pending():
                delay = 0.0
                await self._replay()
            else:
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
        if not await self._next_event(None if self._spill is None else 5.0):
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
            await self._spill_or_drop(overflow, "usage buffer full while the database is down")

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
        self._writing = True
        try:
            async with session_scope(self.session_factory) as session:
                await usage_repo.insert_batch(session, batch)
        except Exception as exc:  # any database failure: keep the batch and back off
            self.counters.write_failures += 1
            if self.database_ok:
                _log.error(
                    "usage writes failing; buffering records",
                    error=type(exc).__name__,
                    buffered=len(self._pending),
                )
            self.database_ok = False
            return False
        finally:
            self._writing = False
        if not self.database_ok:
            _log.info("usage writes recovered", buffered=len(self._pending))
        self.database_ok = True
        self.counters.written += len(batch)
        return True

    async def _replay(self) -> None:
        """Move spilled events back into the database while it answers."""
        if self._spill is None or not self.database_ok:
            return
        while not self._stopping.is_set():
            try:
                raw = await self._spill.pop_many(self.settings.spill_key, self.settings.batch_size)
            except StoreUnavailableError:
                return
            if not raw:
                return
            batch = self._decode_spilled(raw)
            if not await self._write(batch):
                await self._spill_or_drop(batch, "replay failed", count=False)
                return
            self.counters.replayed += len(batch)

    def _decode_spilled(self, raw: Sequence[bytes]) -> list[UsageEvent]:
        """Spilled events back as objects; an unreadable one is dropped (and counted), not fatal."""
        events: list[UsageEvent] = []
        for item in raw:
            try:
                events.append(UsageEvent.from_json(item))
            except (ValueError, TypeError, KeyError):
                self._drop(1, "unreadable spilled record")
        return events

    async def _spill_or_drop(
        self, events: Sequence[UsageEvent], reason: str, *, count: bool = True
    ) -> None:
        if not events:
            return
        if self._spill is not None:
            try:
                await self._spill.push(self.settings.spill_key, *(e.to_json() for e in events))
            except StoreUnavailableError:
                pass
            else:
                if count:
                    self.counters.spilled += len(events)
                    _log.warning(
                        "usage records spilled to the store", count=len(events), reason=reason
                    )
                return
        self._drop(len(events), reason)

    def _drop(self, count: int, reason: str) -> None:
        # One log line per second at most: a flood of drops must not become a flood of logs.
        self.counters.dropped += count
        self._unlogged_drops += count
        now = time.monotonic()
        if now - self._last_drop_log >= 1.0:
            _log.error(
                "usage records dropped",
                count=self._unlogged_drops,
                total=self.counters.dropped,
                reason=reason,
            )
            self._unlogged_drops = 0
            self._last_drop_log = now

    async def _final_flush(self) -> None:
        self._take_all()
        if self._pending and not await self._write_pending():
            await self._spill_or_drop(list(self._pending), "database down at shutdown")
            self._pending.clear()
