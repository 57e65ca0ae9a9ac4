"""In-process store for the embedded default: one process, no Redis, same semantics."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from llm_gateway.core.store.base import MemoryData, ScriptArg, ScriptResult, Store, StoreScript


def _to_bytes(value: bytes | str | int) -> bytes:
    if isinstance(value, bytes):
        return value
    return str(value).encode()


class MemoryStore(Store):
    """A dict with lazy expiry. Every method body runs without awaiting, hence atomically."""

    backend_name = "memory"

    def __init__(self, namespace: str = "", data: MemoryData | None = None) -> None:
        super().__init__(namespace)
        self.data = data or MemoryData()
        self._subscribers: dict[str, set[asyncio.Queue[bytes]]] = {}

    async def ping(self) -> None:
        return None

    async def get(self, key: str) -> bytes | None:
        value = self.data.get(self.key(key))
        return value if isinstance(value, bytes) or value is None else None

    async def set(
        self, key: str, value: bytes | str | int, *, ttl_s: float | None = None, nx: bool = False
    ) -> bool:
        full = self.key(key)
        if nx and self.data.get(full) is not None:
            return False
        self.data.set(full, _to_bytes(value), ttl_s)
        return True

    async def delete(self, *keys: str) -> int:
        return sum(self.data.delete(self.key(k)) for k in keys)

    async def incr(self, key: str, amount: int = 1, *, ttl_s: float | None = None) -> int:
        full = self.key(key)
        current = self.data.get(full)
        value = int(current or 0) + amount
        if current is None:
            self.data.set(full, _to_bytes(value), ttl_s)
        else:
            self.data.values[full] = _to_bytes(value)
        return value

    async def ttl(self, key: str) -> float | None:
        return self.data.ttl(self.key(key))

    async def run_script(
        self, script: StoreScript, keys: Sequence[str], args: Sequence[ScriptArg] = ()
    ) -> ScriptResult:
        return script.python(self.data, [self.key(k) for k in keys], list(args))

    async def push(self, key: str, *values: bytes) -> int:
        items = self.data.list(self.key(key))
        items.extend(values)
        return len(items)

    async def pop_many(self, key: str, count: int) -> list[bytes]:
        full = self.key(key)
        items = self.data.get(full)
        if not items:
            return []
        taken, rest = items[:count], items[count:]
        if rest:
            self.data.values[full] = rest
        else:
            self.data.delete(full)
        return list(taken)

    async def length(self, key: str) -> int:
        items = self.data.get(self.key(key))
        return len(items) if items else 0

    async def publish(self, channel: str, message: bytes) -> None:
        for queue in self._subscribers.get(self.key(channel), ()):
            queue.put_nowait(message)

    def subscribe(self, channel: str) -> AbstractAsyncContextManager[AsyncIterator[bytes]]:
        return self._subscription(self.key(channel))

    @asynccontextmanager
    async def _subscription(self, channel: str) -> AsyncIterator[AsyncIterator[bytes]]:
        queue: asyncio.Queue[bytes] = asyncio.Queue()
        self._subscribers.setdefault(channel, set()).add(queue)

        async def messages() -> AsyncIterator[bytes]:
            while True:
                yield await queue.get()

        try:
            yield messages()
        finally:
            self._subscribers[channel].discard(queue)

    async def close(self) -> None:
        self._subscribers.clear()
