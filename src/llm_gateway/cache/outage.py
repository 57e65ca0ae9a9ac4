"""Keeps the cache off for a while after a store failure, so a dead Redis costs no waiting."""

from __future__ import annotations

import time
from collections.abc import Callable

from llm_gateway.core.logging import get_logger

_log = get_logger("llm_gateway.cache")


class OutageGuard:
    """``available`` is False for ``backoff_s`` after ``failed()``; then one request tries again."""

    __slots__ = ("_backoff_s", "_clock", "_until")

    def __init__(self, backoff_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._backoff_s = backoff_s
        self._clock = clock
        self._until = 0.0

    @property
    def available(self) -> bool:
        return self._clock() >= self._until

    def failed(self, exc: BaseException) -> None:
        if self.available:
            _log.warning("cache store unavailable; cache off for a while", error=str(exc))
        self._until = self._clock() + self._backoff_s
