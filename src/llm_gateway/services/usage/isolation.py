"""Poison-record isolation: a batch the database refuses while it answers is bisected.

A whole batch fails if one of its records cannot be stored (a value PostgreSQL refuses, a number
out of range). Retrying it would block every later record forever. When the database still
answers a probe, the batch is split in halves until the refused records are alone; each is set
aside as a dead letter (table ``usage_dead_letters``, ``GET /admin/usage/dead-letters``) and the
rest is written. If the database stops answering midway, the caller keeps the whole batch and
retries it later: inserts skip ids already stored, so nothing is counted twice.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from llm_gateway.core.database import session_scope
from llm_gateway.core.db_errors import is_unavailable
from llm_gateway.core.logging import get_logger
from llm_gateway.core.text import storable
from llm_gateway.models.base import utcnow
from llm_gateway.repositories import usage_dead_letters
from llm_gateway.services.usage.record import UsageEvent

_log = get_logger("llm_gateway.usage")

Insert = Callable[[Sequence[UsageEvent]], Awaitable[BaseException | None]]
MEMORY_LETTERS = 1_000  # dead letters kept in memory when even their table refuses them


def describe(exc: BaseException) -> str:
    """A short, parameter-free description of a database error (never the SQL or its values)."""
    orig = getattr(exc, "orig", None) or exc
    first_line = str(orig).split("\n", 1)[0][:300]
    return storable(f"{type(orig).__name__}: {first_line}")[:500]


# Failures no single record can cause: the database (or the connection to it) is the problem.
_OUTAGES = (
    OSError,
    TimeoutError,
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.ProgrammingError,
    sa_exc.InternalError,
    sa_exc.TimeoutError,
)


def is_outage(exc: BaseException) -> bool:
    """True if ``exc`` says the database is unusable rather than that a record is bad."""
    if is_unavailable(exc):
        return True
    seen: BaseException | None = exc
    for _ in range(8):  # the error, what it wraps, and their causes
        if seen is None:
            return False
        if isinstance(seen, _OUTAGES):
            return True
        if isinstance(seen, sa_exc.DBAPIError) and seen.connection_invalidated:
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


def letter(event: UsageEvent, error: str) -> dict[str, Any]:
    try:
        payload = event.to_json().decode()
    except Exception:  # a value orjson cannot encode at all: keep its repr
        payload = repr(event)
    return {
        "created_at": utcnow(),
        "request_id": storable(str(getattr(event, "request_id", "")))[:128],
        "error": error,
        "payload": storable(payload),
    }


class PoisonIsolator:
    """Bisects refused batches and keeps their poison records for an admin."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self.session_factory = session_factory
        # Letters the dead-letter table refused too (admin endpoint shows them; bounded).
        self.unstored: deque[dict[str, Any]] = deque(maxlen=MEMORY_LETTERS)
        self.isolated = 0

    async def database_answers(self) -> bool:
        try:
            async with self.session_factory() as session:
                await session.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def isolate(
        self, batch: Sequence[UsageEvent], error: BaseException, insert: Insert
    ) -> bool:
        """Write what can be written, dead-letter the rest; False if the database went away."""
        if is_outage(error):
            return False
        if len(batch) == 1:
            if not await self.database_answers():
                return False
            await self._dead_letter(batch[0], describe(error))
            return True
        middle = len(batch) // 2
        for half in (batch[:middle], batch[middle:]):
            failure = await insert(half)
            if failure is not None and not await self.isolate(half, failure, insert):
                return False
        return True

    async def _dead_letter(self, event: UsageEvent, error: str) -> None:
        self.isolated += 1
        entry = letter(event, error)
        _log.error("usage record refused by the database; dead-lettered", error=error)
        try:
            async with session_scope(self.session_factory) as session:
                await usage_dead_letters.insert(session, [entry])
        except Exception as exc:
            _log.error("dead-letter table refused the record too", error=describe(exc))
            self.unstored.append(entry)
