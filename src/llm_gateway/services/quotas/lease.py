"""Concurrency leases kept alive while their call runs, so the lease itself can be short.

A slot is a lease in a sorted set scored by its expiry. A crashed process (or a Redis restart
with persistence) leaves its leases behind; they lapse after ``SLOT_LEASE_S``. A short lease
frees such a slot quickly, but a live call longer than the lease would lose its slot: every
admitted call with a concurrency limit renews its lease each third of the lease until it is
settled. Calls shorter than that cost no renewal at all (one timer, cancelled at settlement).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from llm_gateway.core.logging import get_logger
from llm_gateway.core.store import MemoryData, Store, StoreScript, StoreUnavailableError
from llm_gateway.core.store.base import ScriptArg
from llm_gateway.services.quotas.twins import Clock, zset

_log = get_logger("llm_gateway.quotas")

RENEW_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[2])
local renewed = 0
for i = 1, #KEYS do
  if redis.call('ZSCORE', KEYS[i], ARGV[1]) then
    redis.call('ZADD', KEYS[i], now + lease, ARGV[1])
    redis.call('PEXPIRE', KEYS[i], lease)
    renewed = renewed + 1
  end
end
return renewed
"""


def renew_twin(data: MemoryData, keys: Sequence[str], args: Sequence[ScriptArg]) -> int:
    """Twin of ``RENEW_LUA``: push a held lease's expiry to now + lease (released: no-op)."""
    now = Clock.read(data).now
    member, lease = str(args[0]), int(args[1])
    renewed = 0
    for key in keys:
        leases = zset(data, key)
        if member in leases.scores:
            leases.add(member, now + lease)
            data.expire(key, lease / 1000)
            renewed += 1
    return renewed


# No call holds a slot longer (upstream calls end by their deadline and total timeout): a lease
# an admission somehow never settled stops being renewed and lapses.
MAX_RENEW_S = 3600.0

RENEW = StoreScript(name="quota_lease_renew", lua=RENEW_LUA, python=renew_twin)


class Renewal:
    """Renews one admission's leases every ``lease_s / 3`` until ``stop``."""

    def __init__(self, store: Store, member: str, keys: list[str], lease_s: float) -> None:
        self._store, self._member, self._keys = store, member, keys
        self._lease_ms = int(lease_s * 1000)
        self._interval = lease_s / 3
        self._loop = asyncio.get_running_loop()
        self._stopped = False
        self._until = self._loop.time() + MAX_RENEW_S
        self._task: asyncio.Task[None] | None = None
        self._handle = self._loop.call_later(self._interval, self._fire)

    def _fire(self) -> None:
        self._task = self._loop.create_task(self._renew())

    async def _renew(self) -> None:
        try:
            await self._store.run_script(RENEW, self._keys, [self._member, self._lease_ms])
        except StoreUnavailableError as exc:  # the next tick tries again; the lease may lapse
            _log.warning("quota lease renewal failed", error=exc.message)
        if not self._stopped and self._loop.time() < self._until:
            self._handle = self._loop.call_later(self._interval, self._fire)

    def stop(self) -> None:
        self._stopped = True
        self._handle.cancel()
