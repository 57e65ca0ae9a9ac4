"""Redis store on redis-py's asyncio client with one connection pool per process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.client import PubSub
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import OutOfMemoryError as RedisOutOfMemoryError
from redis.exceptions import ReadOnlyError as RedisReadOnlyError
from redis.exceptions import TimeoutError as RedisTimeoutError

from llm_gateway.core.config import StoreSettings, mask_url
from llm_gateway.core.store.base import (
    ScriptArg,
    ScriptResult,
    Store,
    StoreScript,
    StoreUnavailableError,
)
from llm_gateway.core.store.batching import ScriptBatcher

# A Redis that refuses writes is down for us too: at ``maxmemory`` with ``noeviction`` every
# write (and every writing script) is answered with OOM, and a replica promoted away from, or
# reached by mistake after a failover, answers READONLY. Both pass when Redis recovers; until
# then callers take their outage path (the cache turns itself off, quotas fail open or closed
# per settings) instead of a 500 — or, after the response started, a cut connection.
_UNAVAILABLE = (
    RedisConnectionError,
    RedisTimeoutError,
    RedisOutOfMemoryError,
    RedisReadOnlyError,
    OSError,
)


class RedisStore(Store):
    """Every call maps Redis connection failures to StoreUnavailableError (a 503)."""

    backend_name = "redis"

    def __init__(self, settings: StoreSettings) -> None:
        super().__init__(settings.namespace)
        if settings.redis_url is None:
            raise ValueError("RedisStore needs store.redis_url")
        self.url = settings.redis_url
        # A blocking pool makes bursts wait briefly for a connection instead of failing.
        pool = aioredis.BlockingConnectionPool.from_url(
            settings.redis_url,
            max_connections=settings.max_connections,
            timeout=settings.socket_timeout_s,
            socket_timeout=settings.socket_timeout_s,
            socket_connect_timeout=settings.socket_timeout_s,
            # After a Redis restart every pooled connection is dead once: a command that fails
            # with a connection error is sent again, once, on a fresh connection (a command the
            # server never received; timeouts are not retried, their command may have run), and
            # a connection idle this long is checked with PING before use.
            retry_on_error=[RedisConnectionError],
            health_check_interval=5,
        )
        self.client: aioredis.Redis = aioredis.Redis.from_pool(pool)
        self._batcher = ScriptBatcher(
            self.client, unavailable=self._unavailable, errors=_UNAVAILABLE
        )

    def _unavailable(self, exc: BaseException) -> StoreUnavailableError:
        return StoreUnavailableError(
            f"store unreachable at {mask_url(self.url)}: {type(exc).__name__}"
        )

    async def ping(self) -> None:
        try:
            await self.client.ping()
        except _UNAVAILABLE as exc:
            raise self._unavailable(exc) from exc

    async def get(self, key: str) -> bytes | None:
        try:
            value = await self.client.get(self.key(key))
        except _UNAVAILABLE as exc:
            raise self._unavailable(exc) from exc
        return value if value is None or isinstance(value, bytes) else str(value).encode()

    async def set(
        self, key: str, value: bytes | str | int, *, ttl_s: float | None = None, nx: bool = False
    ) -> bool:
        px = int(ttl_s * 1000) if ttl_s is not None else None
        try:
            result = await self.client.set(self.key(key), value, px=px, nx=nx)
        except _UNAVAILABLE as exc:
            raise self._unavailable(exc) from exc
        return bool(result)

    async def delete(self, *keys: str) -> int:
        if not keys:
            return 0
        try:
            return int(await self.client.delete(*(self.key(k) for k in keys)))
        except _UNAVAILABLE as exc:
            raise self._unavailable(exc) from exc

    async def incr(self, key: str, amount: int = 1, *, ttl_s: float | None = None) -> int:
        full = self.key(key)
        try:
            if ttl_s is None:
                return int(await self.client.incrby(full, amount))
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.incrby(full, amount)
                pipe.pexpire(full, int(ttl_s * 1000), nx=True)
                value, _ = await pipe.execute()
            return int(value)
        except _UNAVAILABLE as exc:
            raise self._unavailable(exc) from exc

    async def ttl(self, key: str) -> float | None:
        try:
            ms = int(await self.client.pttl(self.key(key)))
        except _UNAVAILABLE as exc:
            raise self._unavailable(exc) from exc
        return ms / 1000 if ms >= 0 else None

    async def run_script(
        self, script: StoreScript, keys: Sequence[str], args: Sequence[ScriptArg] = ()
    ) -> ScriptResult:
        """Run ``script``; calls made in the same loop iteration share one round trip."""
        return await self._batcher.run(script, [self.key(k) for k in keys], args)

    async def push(self, key: str, *values: bytes) -> int:
        try:
            return int(await self.client.rpush(self.key(key), *values))
        except _UNAVAILABLE as exc:
            raise self._unavailable(exc) from exc

    async def pop_many(self, key: str, count: int) -> list[bytes]:
        try:
            items: Any = await self.client.lpop(self.key(key), count)
        except _UNAVAILABLE as exc:
            raise self._unavailable(exc) from exc
        return list(items or [])

    async def length(self, key: str) -> int:
        try:
            return int(await self.client.llen(self.key(key)))
        except _UNAVAILABLE as exc:
            raise self._unavailable(exc) from exc

    async def publish(self, channel: str, message: bytes) -> None:
        try:
            await self.client.publish(self.key(channel), message)
        except _UNAVAILABLE as exc:
            raise self._unavailable(exc) from exc

    def subscribe(self, channel: str) -> AbstractAsyncContextManager[AsyncIterator[bytes]]:
        return self._subscription(self.key(channel))

    @asynccontextmanager
    async def _subscription(self, channel: str) -> AsyncIterator[AsyncIterator[bytes]]:
        pubsub: PubSub = self.client.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(channel)
        except _UNAVAILABLE as exc:
            await pubsub.aclose()  # type: ignore[no-untyped-call]
            raise self._unavailable(exc) from exc

        async def messages() -> AsyncIterator[bytes]:
            # Poll with a timeout: a blocking read would trip the pool's socket timeout when idle.
            task = asyncio.current_task()
            while True:
                try:
                    message: dict[str, Any] | None = await pubsub.get_message(
                        ignore_subscribe_messages=True, timeout=1.0
                    )
                except _UNAVAILABLE as exc:
                    raise self._unavailable(exc) from exc
                # redis-py can swallow a cancellation that lands inside its read; re-raise it
                # so shutdown does not wait forever on a "cancelling" listener task.
                if task is not None and task.cancelling():
                    raise asyncio.CancelledError
                if message is not None and message.get("type") == "message":
                    yield message["data"]

        try:
            yield messages()
        finally:
            await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def close(self) -> None:
        await self.client.aclose()
