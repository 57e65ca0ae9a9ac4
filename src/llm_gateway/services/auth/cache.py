"""In-process credential caches: API keys by hash and user states by id, with a short TTL.

They keep API-key and access-token checks off the database. Correctness under change comes from
invalidation (``invalidation.py``): each cache has an epoch bumped by every invalidation, and a
load that started before an invalidation is returned to its caller but never cached, so a stale
row read just before a revoke cannot outlive it.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from llm_gateway.core.exceptions import ServiceUnavailableError

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class CachedUser:
    """The user fields authentication needs."""

    id: uuid.UUID
    email: str
    role: str
    tier: str
    is_active: bool
    token_version: int


@dataclass(frozen=True, slots=True)
class CachedKey:
    """The API key fields authentication needs (never the secret)."""

    id: uuid.UUID
    user_id: uuid.UUID
    scopes: frozenset[str]
    expires_at: datetime | None
    revoked: bool
    cache_shared: bool = False


class TTLCache(Generic[K, V]):
    """A bounded LRU with per-entry expiry, single-flight loads and an invalidation epoch.

    ``None`` values are negative entries ("no such key"). They live in a separate, smaller LRU
    (``negative_max_entries``), so a flood of random credentials can evict other misses but
    never the live entries every legitimate request depends on.

    An expired positive entry is kept (within the LRU bound) for ``stale_s`` more seconds: while
    the database is unavailable (the load raises ``ServiceUnavailableError``) it is served
    instead of a 503. Invalidations remove entries outright, so nothing revoked is served.
    """

    def __init__(
        self,
        *,
        ttl_s: float,
        max_entries: int,
        negative_max_entries: int | None = None,
        stale_s: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self.stale_s = stale_s
        self.stale_served = 0
        self.max_entries = max_entries
        self.negative_max_entries = (
            max_entries if negative_max_entries is None else negative_max_entries
        )
        self.epoch = 0
        self._clock = clock
        self._data: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._negative: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._inflight: dict[K, asyncio.Task[V]] = {}

    def __len__(self) -> int:
        return len(self._data) + len(self._negative)

    def lookup(self, key: K) -> tuple[bool, V | None]:
        """``(True, value)`` on a fresh hit, ``(False, None)`` otherwise."""
        for entries in (self._data, self._negative):
            entry = entries.get(key)
            if entry is None:
                continue
            if entry[0] <= self._clock():
                if entries is self._negative or not self.stale_s:
                    del entries[key]
                return False, None
            entries.move_to_end(key)
            return True, entry[1]
        return False, None

    def put(self, key: K, value: V, *, epoch: int) -> None:
        """Cache ``value`` unless an invalidation happened since ``epoch`` was read."""
        if epoch != self.epoch:
            return
        if value is None:
            self._data.pop(key, None)
            entries, bound = self._negative, self.negative_max_entries
        else:
            self._negative.pop(key, None)
            entries, bound = self._data, self.max_entries
        entries[key] = (self._clock() + self.ttl_s, value)
        entries.move_to_end(key)
        while len(entries) > bound:
            entries.popitem(last=False)

    def discard(self, key: K) -> None:
        self.epoch += 1
        self._data.pop(key, None)
        self._negative.pop(key, None)

    def clear(self) -> None:
        self.epoch += 1
        self._data.clear()
        self._negative.clear()

    async def get_or_load(self, key: K, loader: Callable[[], Awaitable[V]]) -> V:
        """The cached value, or one load shared by every concurrent caller for ``key``."""
        hit, value = self.lookup(key)
        if hit:
            return value  # type: ignore[return-value]
        task = self._inflight.get(key)
        if task is None:
            # The epoch is read now, at the miss: anything invalidated after this moment must
            # not be cached from this load, even if the task only starts running later.
            task = asyncio.ensure_future(self._load(key, loader, self.epoch))
            task.add_done_callback(lambda t: t.cancelled() or t.exception())
            self._inflight[key] = task
        try:
            return await asyncio.shield(task)
        except ServiceUnavailableError:
            entry = self._data.get(key)
            if entry is None or entry[0] + self.stale_s <= self._clock():
                raise
            self.stale_served += 1  # the database is away: the last verified state, bounded
            return entry[1]

    async def _load(self, key: K, loader: Callable[[], Awaitable[V]], epoch: int) -> V:
        try:
            value = await loader()
        finally:
            self._inflight.pop(key, None)
        self.put(key, value, epoch=epoch)
        return value


class AuthCache:
    """The two caches authentication reads, and how invalidations apply to them."""

    def __init__(self, *, ttl_s: float, max_entries: int, stale_s: float = 0.0) -> None:
        # None values are negative entries: an unknown key hash costs one query per TTL, not one
        # per request. They get a tenth of the room, apart from the live entries.
        negative = max(100, max_entries // 10)
        self.keys: TTLCache[str, CachedKey | None] = TTLCache(
            ttl_s=ttl_s, max_entries=max_entries, negative_max_entries=negative, stale_s=stale_s
        )
        self.users: TTLCache[uuid.UUID, CachedUser | None] = TTLCache(
            ttl_s=ttl_s, max_entries=max_entries, negative_max_entries=negative, stale_s=stale_s
        )

    def invalidate(
        self, *, key_hashes: tuple[str, ...] = (), user_ids: tuple[uuid.UUID, ...] = ()
    ) -> None:
        for key_hash in key_hashes:
            self.keys.discard(key_hash)
        for user_id in user_ids:
            self.users.discard(user_id)

    def clear(self) -> None:
        self.keys.clear()
        self.users.clear()
