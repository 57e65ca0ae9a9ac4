"""Where usage records go when the database cannot take them: a Redis list, or (counted) nowhere.

Only a Redis store can hold spilled records (the in-process store dies with the process). Every
record that cannot be spilled is dropped, logged (at most once a second) and counted.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from llm_gateway.core.config import UsageSettings
from llm_gateway.core.logging import get_logger
from llm_gateway.core.store import Store
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
    dead_lettered: int = 0
    writer_errors: int = 0


class SpillOver:
    """The spill list of one writer, and its drop accounting."""

    def __init__(self, settings: UsageSettings, store: Store | None, counters: WriterCounters):
        self._store = store if store is not None and store.backend_name == "redis" else None
        self._key = settings.spill_key
        self._counters = counters
        self._unlogged_drops = 0
        self._last_drop_log = float("-inf")

    @property
    def enabled(self) -> bool:
        return self._store is not None

    async def push(self, events: Sequence[UsageEvent], reason: str, *, count: bool = True) -> None:
        """Spill ``events`` to the store; drop them (logged, counted) if it cannot take them."""
        if not events:
            return
        if self._store is not None:
            try:
                # ``to_json`` never fails: every value is made serialisable (record.py).
                await self._store.push(self._key, *(e.to_json() for e in events))
            except Exception as exc:  # store down (or anything else): the records are dropped
                _log.warning("usage spill failed", error=type(exc).__name__)
            else:
                if count:
                    self._counters.spilled += len(events)
                    _log.warning(
                        "usage records spilled to the store", count=len(events), reason=reason
                    )
                return
        self.drop(len(events), reason)

    async def pop(self, count: int) -> list[UsageEvent]:
        """Up to ``count`` spilled events (none when the store is down or the list empty)."""
        if self._store is None:
            return []
        try:
            raw = await self._store.pop_many(self._key, count)
        except Exception as exc:
            _log.warning("usage spill unreadable", error=type(exc).__name__)
            return []
        return self.decode(raw)

    def decode(self, raw: Sequence[bytes]) -> list[UsageEvent]:
        """Spilled events back as objects; an unreadable one is dropped (and counted)."""
        events: list[UsageEvent] = []
        for item in raw:
            try:
                events.append(UsageEvent.from_json(item))
            except (ValueError, TypeError, KeyError):
                self.drop(1, "unreadable spilled record")
        return events

    def drop(self, count: int, reason: str) -> None:
        # One log line per second at most: a flood of drops must not become a flood of logs.
        self._counters.dropped += count
        self._unlogged_drops += count
        now = time.monotonic()
        if now - self._last_drop_log >= 1.0:
            _log.error(
                "usage records dropped",
                count=self._unlogged_drops,
                total=self._counters.dropped,
                reason=reason,
            )
            self._unlogged_drops = 0
            self._last_drop_log = now
