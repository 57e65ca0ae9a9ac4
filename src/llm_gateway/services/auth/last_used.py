"""API keys' ``last_used_at``, recorded in memory per request and written in coalesced batches."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from llm_gateway.core.database import session_scope
from llm_gateway.core.logging import get_logger
from llm_gateway.repositories import api_keys as api_keys_repo

_log = get_logger("llm_gateway.auth")


class LastUsedRecorder:
    """A dict write per request; one UPDATE per used key per interval, off the request path."""

    def __init__(
        self, session_factory: async_sessionmaker[AsyncSession], *, interval_s: float
    ) -> None:
        self._session_factory = session_factory
        self._interval_s = interval_s
        self._pending: dict[uuid.UUID, float] = {}

    def touch(self, key_id: uuid.UUID, at: float) -> None:
        self._pending[key_id] = at

    async def flush(self) -> int:
        """Write what was recorded since the last flush; returns how many keys were updated."""
        if not self._pending:
            return 0
        batch, self._pending = self._pending, {}
        stamps = {key_id: datetime.fromtimestamp(at, UTC) for key_id, at in batch.items()}
        async with session_scope(self._session_factory) as session:
            await api_keys_repo.record_last_used(session, stamps)
        return len(stamps)

    async def run(self) -> None:
        """Flush every interval until cancelled; a failed flush is logged and retried next time."""
        while True:
            await asyncio.sleep(self._interval_s)
            try:
                await self.flush()
            # The database may be briefly away; usage times are best effort.
            except Exception as exc:
                _log.warning("could not record API key usage", error=type(exc).__name__)
