"""The shared copy of a semantic namespace's vectors: one store hash per namespace.

``cache:v:<context>`` maps an entry's digest to its float16 vector. Scripts keep each change to
one round trip (and give the hash the longest entry TTL, so abandoned namespaces expire).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from llm_gateway.cache.semantic.embed import Vectors
from llm_gateway.core.store import Store
from llm_gateway.core.store.base import MemoryData, ScriptArg, ScriptResult, StoreScript

CHANNEL = "cache:semantic"


def _text(arg: ScriptArg) -> str:
    return arg.decode() if isinstance(arg, bytes) else str(arg)


def _bytes(arg: ScriptArg) -> bytes:
    return arg if isinstance(arg, bytes) else _text(arg).encode()


def _add(data: MemoryData, keys: Sequence[str], args: Sequence[ScriptArg]) -> ScriptResult:
    table = data.hash(keys[0])
    table[_bytes(args[0])] = _bytes(args[1])
    data.expire(keys[0], float(_text(args[2])))
    return len(table)


def _all(data: MemoryData, keys: Sequence[str], args: Sequence[ScriptArg]) -> ScriptResult:
    table = data.get(keys[0])
    if not isinstance(table, dict):
        return []
    out: list[bytes] = []
    for field, value in table.items():
        out += [field, value]
    return out


def _remove(data: MemoryData, keys: Sequence[str], args: Sequence[ScriptArg]) -> ScriptResult:
    table = data.get(keys[0])
    if not isinstance(table, dict):
        return 0
    return int(table.pop(_bytes(args[0]), None) is not None)


VECTOR_ADD = StoreScript(
    name="cache_vector_add",
    lua="""
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local ttl = redis.call('TTL', KEYS[1])
if ttl < tonumber(ARGV[3]) then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
return redis.call('HLEN', KEYS[1])
""",
    python=_add,
)
VECTOR_ALL = StoreScript(
    name="cache_vector_all", lua="return redis.call('HGETALL', KEYS[1])", python=_all
)
VECTOR_REMOVE = StoreScript(
    name="cache_vector_remove", lua="return redis.call('HDEL', KEYS[1], ARGV[1])", python=_remove
)


def vectors_key(context: str) -> str:
    return f"cache:v:{context}"


def pack(vector: Vectors) -> bytes:
    return np.asarray(vector, dtype=np.float16).tobytes()


def unpack(raw: bytes) -> Vectors:
    return np.frombuffer(raw, dtype=np.float16).astype(np.float32)


def unpack_many(packed: list[bytes]) -> Vectors:
    """One row per packed vector, in one pass (a namespace's whole hash: keep it off the loop)."""
    return (
        np.frombuffer(b"".join(packed), dtype=np.float16)
        .reshape(len(packed), -1)
        .astype(np.float32)
    )


class VectorStore:
    """Round trips for one namespace's vectors; callers handle ``StoreUnavailableError``."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def add(self, context: str, digest: str, vector: Vectors, ttl_s: int) -> int:
        size = await self.store.run_script(
            VECTOR_ADD, [vectors_key(context)], [digest, pack(vector), ttl_s]
        )
        return int(size)

    async def load(self, context: str) -> tuple[list[str], list[bytes]]:
        """Every digest and its packed vector (``unpack_many`` them on a worker thread)."""
        flat = await self.store.run_script(VECTOR_ALL, [vectors_key(context)])
        return [d.decode() for d in flat[0::2]], list(flat[1::2])

    async def remove(self, context: str, digest: str) -> None:
        await self.store.run_script(VECTOR_REMOVE, [vectors_key(context)], [digest])
