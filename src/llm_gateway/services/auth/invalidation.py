"""Cross-instance cache invalidation: publish after commit, listen through the store's pub/sub.

A change to a key or a user (revoke, deactivate, role or tier change, password change) is queued
on the database session and published only once the transaction has committed, so no instance
can reload the old row after hearing about the change. The local cache is updated at the same
moment; other instances hear it through Redis pub/sub, typically within milliseconds. With the
in-process store there is only one instance, and the local update is all there is.

If the subscription drops, messages may have been missed: the listener clears both caches on
reconnect, and the cache TTL bounds staleness in the meantime.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field

import orjson
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from llm_gateway.core.logging import get_logger
from llm_gateway.core.store import Store, StoreUnavailableError
from llm_gateway.services.auth.background import BackgroundTasks
from llm_gateway.services.auth.cache import AuthCache

CHANNEL = "auth:invalidate"
_SESSION_KEY = "llmgw_auth_invalidation"
_LISTENING_KEY = "llmgw_auth_invalidation_hooked"
_MAX_BACKOFF_S = 10.0
_PUBLISH_ATTEMPTS = 3
_PUBLISH_RETRY_S = 0.1
_log = get_logger("llm_gateway.auth")


@dataclass
class Invalidation:
    """Key hashes and user ids whose cached state is stale."""

    key_hashes: set[str] = field(default_factory=set)
    user_ids: set[uuid.UUID] = field(default_factory=set)

    def encode(self) -> bytes:
        return orjson.dumps(
            {"keys": sorted(self.key_hashes), "users": sorted(str(u) for u in self.user_ids)}
        )

    @classmethod
    def decode(cls, raw: bytes) -> Invalidation:
        data = orjson.loads(raw)
        return cls(
            key_hashes={str(h) for h in data.get("keys", ())},
            user_ids={uuid.UUID(str(u)) for u in data.get("users", ())},
        )


class Invalidator:
    """Applies invalidations locally and broadcasts them to every other instance."""

    def __init__(self, store: Store, cache: AuthCache, tasks: BackgroundTasks) -> None:
        self.store = store
        self.cache = cache
        self.tasks = tasks

    def apply(self, invalidation: Invalidation) -> None:
        self.cache.invalidate(
            key_hashes=tuple(invalidation.key_hashes), user_ids=tuple(invalidation.user_ids)
        )

    def after_commit(
        self,
        session: AsyncSession,
        *,
        key_hashes: tuple[str, ...] = (),
        user_ids: tuple[uuid.UUID, ...] = (),
    ) -> None:
        """Queue an invalidation to apply and publish once ``session`` commits (not on rollback)."""
        sync = session.sync_session
        pending: Invalidation | None = sync.info.get(_SESSION_KEY)
        if pending is None:
            pending = Invalidation()
            sync.info[_SESSION_KEY] = pending
        if not sync.info.get(_LISTENING_KEY):
            sync.info[_LISTENING_KEY] = True
            event.listen(sync, "after_commit", self._on_commit)
            event.listen(sync, "after_rollback", self._on_rollback)
        pending.key_hashes.update(key_hashes)
        pending.user_ids.update(user_ids)

    def _on_commit(self, sync: Session) -> None:
        pending: Invalidation | None = sync.info.pop(_SESSION_KEY, None)
        if pending is None:
            return
        self.apply(pending)
        self.tasks.spawn(self.publish(pending), name="auth-invalidate-publish")

    def _on_rollback(self, sync: Session) -> None:
        sync.info.pop(_SESSION_KEY, None)

    async def publish(self, invalidation: Invalidation) -> None:
        """Broadcast ``invalidation``, retrying a store hiccup briefly: a lost message leaves
        the other instances' entries stale until their TTL expires."""
        delay = _PUBLISH_RETRY_S
        for attempt in range(_PUBLISH_ATTEMPTS):
            try:
                await self.store.publish(CHANNEL, invalidation.encode())
                return
            except StoreUnavailableError:
                if attempt == _PUBLISH_ATTEMPTS - 1:
                    _log.warning(
                        "auth invalidation not published; other instances stay stale until "
                        "their cache TTL"
                    )
                    raise
                await asyncio.sleep(delay)
                delay *= 3

    async def listen(self, ready: asyncio.Event) -> None:
        """Apply every invalidation other instances publish; reconnect with backoff on failure."""
        backoff = 0.5
        while True:
            try:
                async with self.store.subscribe(CHANNEL) as messages:
                    if ready.is_set():  # a reconnect: anything may have been missed meanwhile
                        self.cache.clear()
                    ready.set()
                    backoff = 0.5
                    async for raw in messages:
                        self._receive(raw)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # keep listening whatever the store does; TTL bounds staleness
                _log.warning("auth invalidation listener failed", error=type(exc).__name__)
                self.cache.clear()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF_S)

    def _receive(self, raw: bytes) -> None:
        try:
            self.apply(Invalidation.decode(raw))
        except (ValueError, TypeError, AttributeError):
            _log.warning("malformed auth invalidation message; clearing caches")
            self.cache.clear()
