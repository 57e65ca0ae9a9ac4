"""Per-deployment cooldowns (a circuit breaker) shared by every gateway instance through the store.

A deployment that fails ``failures`` times within ``window_s`` is taken out of rotation for
``cooldown_s``. Counting and tripping happen in one atomic store script, so concurrent instances
agree on when a breaker opens. The hot path never waits on the store: each process keeps a local
view of open breakers and refreshes it at most every ``sync_interval_s`` (and at once after its own
failures), so a breaker tripped by one instance is honoured by the others within that interval.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence

from llm_gateway.core.logging import get_logger
from llm_gateway.core.store import MemoryData, Store, StoreScript, StoreUnavailableError
from llm_gateway.core.store.base import ScriptArg

_log = get_logger("llm_gateway.routing")

COOLDOWNS_KEY = "router:cooldowns"  # hash: deployment id -> cooldown end (store clock, epoch ms)
FAILURES_KEY = "router:fails:"  # + deployment id: failures in the current window


def _record_failure_py(data: MemoryData, keys: Sequence[str], args: Sequence[ScriptArg]) -> int:
    window_ms, threshold, cooldown_ms = int(args[0]), int(args[1]), int(args[2])
    deployment = str(args[3]).encode()
    now_ms = int(data.now() * 1000)
    cooldowns = data.hash(keys[1])
    active = cooldowns.get(deployment)
    if active is not None and int(active) > now_ms:
        return int(active) - now_ms
    count = int(data.get(keys[0]) or 0) + 1
    if count < threshold:
        if count == 1:
            data.set(keys[0], str(count).encode(), window_ms / 1000)
        else:
            data.values[keys[0]] = str(count).encode()
        return 0
    data.delete(keys[0])
    cooldowns[deployment] = str(now_ms + cooldown_ms).encode()
    ttl = data.ttl(keys[1])
    if ttl is None or ttl * 1000 < cooldown_ms:
        data.expire(keys[1], cooldown_ms / 1000)
    return cooldown_ms


RECORD_FAILURE = StoreScript(
    name="router_record_failure",
    lua="""
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local active = redis.call('HGET', KEYS[2], ARGV[4])
if active and tonumber(active) > now then return tonumber(active) - now end
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
if n < tonumber(ARGV[2]) then return 0 end
redis.call('DEL', KEYS[1])
local cooldown = tonumber(ARGV[3])
redis.call('HSET', KEYS[2], ARGV[4], string.format('%.0f', now + cooldown))
local ttl = redis.call('PTTL', KEYS[2])
if ttl < cooldown then redis.call('PEXPIRE', KEYS[2], cooldown) end
return cooldown
""",
    python=_record_failure_py,
)


def _active_cooldowns_py(
    data: MemoryData, keys: Sequence[str], args: Sequence[ScriptArg]
) -> list[bytes | int]:
    now_ms = int(data.now() * 1000)
    if data.get(keys[0]) is None:
        return []
    cooldowns = data.hash(keys[0])
    out: list[bytes | int] = []
    for deployment, until in list(cooldowns.items()):
        left = int(until) - now_ms
        if left > 0:
            out += [deployment, left]
        else:
            del cooldowns[deployment]
    return out


ACTIVE_COOLDOWNS = StoreScript(
    name="router_active_cooldowns",
    lua="""
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local entries = redis.call('HGETALL', KEYS[1])
local out = {}
for i = 1, #entries, 2 do
  local left = tonumber(entries[i + 1]) - now
  if left > 0 then
    out[#out + 1] = entries[i]
    out[#out + 1] = left
  else
    redis.call('HDEL', KEYS[1], entries[i])
  end
end
return out
""",
    python=_active_cooldowns_py,
)


class CooldownTracker:
    """This process's view of open breakers, kept in step with the shared store."""

    def __init__(
        self,
        store: Store,
        *,
        failures: int,
        window_s: float,
        cooldown_s: float,
        sync_interval_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._failures = failures
        self._window_ms = max(1, int(window_s * 1000))
        self._cooldown_ms = max(1, int(cooldown_s * 1000))
        self._interval = sync_interval_s
        self._clock = clock
        self._until: dict[str, float] = {}  # deployment id -> local clock deadline
        self._synced_at = float("-inf")
        self._lock = asyncio.Lock()

    def any_open(self) -> bool:
        """Whether any breaker may be open (a cheap check for the hot path)."""
        return bool(self._until)

    def remaining_s(self, deployment_id: str) -> float:
        """Seconds left in ``deployment_id``'s cooldown; 0 when it is in rotation."""
        until = self._until.get(deployment_id)
        if until is None:
            return 0.0
        left = until - self._clock()
        if left <= 0:
            self._until.pop(deployment_id, None)
            return 0.0
        return left

    async def sync(self) -> None:
        """Refresh the local view from the store when it is older than the sync interval."""
        if self._clock() - self._synced_at < self._interval:
            return
        async with self._lock:
            if self._clock() - self._synced_at < self._interval:
                return  # another request refreshed it while this one waited
            try:
                flat = await self._store.run_script(ACTIVE_COOLDOWNS, [COOLDOWNS_KEY])
            except StoreUnavailableError as exc:
                _log.warning("cooldown sync skipped: store unavailable", error=exc.message)
                self._synced_at = self._clock()
                return
            now = self._clock()
            self._until = {
                (name.decode() if isinstance(name, bytes) else str(name)): now + int(left) / 1000
                for name, left in zip(flat[::2], flat[1::2], strict=True)
            }
            self._synced_at = now

    async def record_failure(self, deployment_id: str) -> float:
        """Count one failure; returns the cooldown in seconds if the breaker is (now) open."""
        try:
            left_ms = int(
                await self._store.run_script(
                    RECORD_FAILURE,
                    [FAILURES_KEY + deployment_id, COOLDOWNS_KEY],
                    [self._window_ms, self._failures, self._cooldown_ms, deployment_id],
                )
            )
        except StoreUnavailableError as exc:
            # A store outage must not fail the request: the breaker stays closed until it is back.
            _log.warning("cooldown store unavailable", error=exc.message)
            return 0.0
        if left_ms > 0:
            if deployment_id not in self._until:
                _log.warning(
                    "deployment cooling down", deployment=deployment_id, seconds=left_ms / 1000
                )
            self._until[deployment_id] = self._clock() + left_ms / 1000
        return left_ms / 1000
