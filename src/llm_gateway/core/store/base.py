"""The store interface and the script type that runs atomically on both implementations.

A ``StoreScript`` carries the same operation twice: as Lua for Redis and as a Python function over
``MemoryData`` for the in-process store. The in-process version runs without awaiting, so it is
atomic on the event loop just as Lua is atomic in Redis. The shared store test suite runs every
script on both, which keeps the two versions honest.
"""

from __future__ import annotations

import abc
import heapq
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any

from llm_gateway.core.exceptions import ServiceUnavailableError

ScriptArg = str | int | float | bytes
ScriptResult = Any


class StoreUnavailableError(ServiceUnavailableError):
    """The store (Redis) could not be reached or timed out."""

    code = "store_unavailable"


SWEEP_BUCKET_S = 10.0  # expiries are swept in buckets this wide


@dataclass
class MemoryData:
    """The in-process store's data, handed to Python script implementations.

    Values are ``bytes`` for strings, ``dict[bytes, bytes]`` for hashes and ``list[bytes]`` for
    lists. Expiry is checked on access, like Redis; and, like Redis's active expiry, keys nobody
    reads again are dropped too: every expiry is filed in a ``SWEEP_BUCKET_S`` bucket and writes
    sweep the buckets that have passed (each filed expiry is looked at once: amortised O(1)).
    """

    values: dict[str, Any] = field(default_factory=dict)
    expires_at: dict[str, float] = field(default_factory=dict)
    clock: Callable[[], float] = time.time
    _buckets: dict[int, set[str]] = field(default_factory=dict, repr=False)
    _due: list[int] = field(default_factory=list, repr=False)  # heap of the buckets' indexes

    def now(self) -> float:
        return self.clock()

    def _alive(self, key: str) -> bool:
        exp = self.expires_at.get(key)
        if exp is not None and exp <= self.clock():
            self.values.pop(key, None)
            self.expires_at.pop(key, None)
            return False
        return key in self.values

    def _expire_at(self, key: str, at: float) -> None:
        self.expires_at[key] = at
        index = int(at // SWEEP_BUCKET_S)
        keys = self._buckets.get(index)
        if keys is None:
            keys = self._buckets[index] = set()
            heapq.heappush(self._due, index)
        keys.add(key)

    def sweep(self, now: float) -> None:
        """Drop every key whose bucket has passed (a key re-filed later or persisted stays)."""
        due, current = self._due, int(now // SWEEP_BUCKET_S)
        while due and due[0] < current:
            for key in self._buckets.pop(heapq.heappop(due)):
                exp = self.expires_at.get(key)
                if exp is not None and exp <= now:
                    del self.expires_at[key]
                    self.values.pop(key, None)

    def get(self, key: str) -> Any:
        return self.values[key] if self._alive(key) else None

    def set(self, key: str, value: Any, ttl_s: float | None = None) -> None:
        now = self.clock()
        self.sweep(now)
        self.values[key] = value
        if ttl_s is None:
            self.expires_at.pop(key, None)
        else:
            self._expire_at(key, now + ttl_s)

    def delete(self, key: str) -> bool:
        existed = self._alive(key)
        self.values.pop(key, None)
        self.expires_at.pop(key, None)
        return existed

    def expire(self, key: str, ttl_s: float) -> bool:
        now = self.clock()
        self.sweep(now)
        if not self._alive(key):
            return False
        self._expire_at(key, now + ttl_s)
        return True

    def ttl(self, key: str) -> float | None:
        """Seconds to live, ``None`` when the key has no expiry or does not exist."""
        if not self._alive(key) or key not in self.expires_at:
            return None
        return self.expires_at[key] - self.clock()

    def hash(self, key: str) -> dict[bytes, bytes]:
        """The hash at ``key``, created empty when absent."""
        current = self.get(key)
        if current is None:
            current = {}
            self.values[key] = current
        if not isinstance(current, dict):
            raise TypeError(f"WRONGTYPE {key} is not a hash")
        return current

    def list(self, key: str) -> list[bytes]:
        """The list at ``key``, created empty when absent."""
        current = self.get(key)
        if current is None:
            current = []
            self.values[key] = current
        if not isinstance(current, list):
            raise TypeError(f"WRONGTYPE {key} is not a list")
        return current


PythonScript = Callable[[MemoryData, Sequence[str], Sequence[ScriptArg]], ScriptResult]


@dataclass(frozen=True)
class StoreScript:
    """An atomic operation: ``lua`` for Redis, ``python`` for the in-process store.

    Both receive fully namespaced keys and the same args; both must return the same value
    (integers, bytes, or lists of them, as Lua would).
    """

    name: str
    lua: str
    python: PythonScript


class Store(abc.ABC):
    """What the gateway needs from Redis. Keys are namespaced by the implementation."""

    backend_name: str

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace

    def key(self, key: str) -> str:
        return self.namespace + key

    @abc.abstractmethod
    async def ping(self) -> None:
        """Raise StoreUnavailableError if the store cannot be reached."""

    @abc.abstractmethod
    async def get(self, key: str) -> bytes | None: ...

    @abc.abstractmethod
    async def set(
        self, key: str, value: bytes | str | int, *, ttl_s: float | None = None, nx: bool = False
    ) -> bool:
        """Set ``key``; with ``nx`` only when absent. Returns whether it was set."""

    @abc.abstractmethod
    async def delete(self, *keys: str) -> int: ...

    @abc.abstractmethod
    async def incr(self, key: str, amount: int = 1, *, ttl_s: float | None = None) -> int:
        """Atomically add ``amount``; ``ttl_s`` is applied only when the key is created."""

    @abc.abstractmethod
    async def ttl(self, key: str) -> float | None:
        """Seconds until ``key`` expires; None if it has no expiry or does not exist."""

    @abc.abstractmethod
    async def run_script(
        self, script: StoreScript, keys: Sequence[str], args: Sequence[ScriptArg] = ()
    ) -> ScriptResult:
        """Run ``script`` atomically; ``keys`` are namespaced before the call."""

    @abc.abstractmethod
    async def push(self, key: str, *values: bytes) -> int:
        """Append to a list; returns its new length."""

    @abc.abstractmethod
    async def pop_many(self, key: str, count: int) -> list[bytes]:
        """Remove and return up to ``count`` items from the list's head."""

    @abc.abstractmethod
    async def length(self, key: str) -> int: ...

    @abc.abstractmethod
    async def publish(self, channel: str, message: bytes) -> None: ...

    @abc.abstractmethod
    def subscribe(self, channel: str) -> AbstractAsyncContextManager[AsyncIterator[bytes]]:
        """Subscribe to ``channel``; the context yields an iterator of messages."""

    @abc.abstractmethod
    async def close(self) -> None: ...
