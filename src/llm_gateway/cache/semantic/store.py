"""The shared copy of a semantic namespace's vectors: one store hash per namespace.

``cache:v:<context>`` maps an entry's digest to its float16 vector. Scripts keep each change to
one round trip (and give the hash the longest entry TTL, so abandoned namespaces expire). An add
also lists the hash in its tenant namespace's ``cache:vh:<namespace>``, which a flush deletes
with every hash it names (``cache/scripts.py``), and is refused once that namespace has been
flushed since the entry's lookup (the vector of a flushed entry would outlive the flush).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from llm_gateway.cache.exact import gen_key, vector_hashes_key
from llm_gateway.cache.semantic.embed import Vectors
from llm_gateway.core.store import Store
from llm_gateway.core.store.base import MemoryData, ScriptArg, ScriptResult, StoreScript

CHANNEL = "cache:semantic"
_LISTED_MARGIN_S = 1.0  # a listed hash's expiry may be this late (whole-second TTLs)
_PRUNE_PER_ADD = 64  # the in-process twin's expired names looked at per add


def _text(arg: ScriptArg) -> str:
    return arg.decode() if isinstance(arg, bytes) else str(arg)


def _bytes(arg: ScriptArg) -> bytes:
    return arg if isinstance(arg, bytes) else _text(arg).encode()


def _add(data: MemoryData, keys: Sequence[str], args: Sequence[ScriptArg]) -> ScriptResult:
    generation = data.get(keys[2])
    if (generation if isinstance(generation, bytes) else b"0") != _bytes(args[3]):
        return 0
    table = data.hash(keys[0])
    table[_bytes(args[0])] = _bytes(args[1])
    ttl_s = float(_text(args[2]))
    now = data.now()
    # The list as a dict ordered by last add (the Lua twin's sorted set): expired names leave
    # from its front, each looked at once when it goes (amortised O(1) per add).
    listed = data.hash(keys[1])
    name = keys[0].encode()
    until = max(float(listed.pop(name, b"0")), now + ttl_s)
    listed[name] = repr(until).encode()
    for old in [n for n, _ in zip(listed, range(_PRUNE_PER_ADD), strict=False)]:
        if float(listed[old]) >= now - _LISTED_MARGIN_S:
            break
        del listed[old]
    # Only ever lengthened: the list then outlives every hash it names (a hash left unlisted
    # would survive a flush).
    for key in keys[:2]:
        left = data.ttl(key)
        if left is None or left < ttl_s:
            data.expire(key, ttl_s)
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


# KEYS: the context's vector hash, the namespace's list of them, its generation. 0: flushed.
# The list is a sorted set scored by when each hash expires (whole seconds, never shortened, as
# the hash's TTL): a name leaves it once its hash has expired, one second of margin for the
# rounding, so the list holds live hashes only, not every context the tenant ever had. A list
# still in its first form (a hash of names, written before) is converted once, its names kept
# until the list's own TTL, which outlives them: no WRONGTYPE error after an upgrade.
VECTOR_ADD = StoreScript(
    name="cache_vector_add",
    lua="""
if (redis.call('GET', KEYS[3]) or '0') ~= ARGV[4] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local ttl = tonumber(ARGV[3])
local now = tonumber(redis.call('TIME')[1])
if redis.call('TYPE', KEYS[2]).ok == 'hash' then
  local left = redis.call('TTL', KEYS[2])
  local names = redis.call('HKEYS', KEYS[2])
  redis.call('DEL', KEYS[2])
  for i = 1, #names do redis.call('ZADD', KEYS[2], now + math.max(left, ttl), names[i]) end
  if left > 0 then redis.call('EXPIRE', KEYS[2], left) end
end
redis.call('ZADD', KEYS[2], 'GT', now + ttl, KEYS[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. (now - 1))
for i = 1, 2 do
  if redis.call('TTL', KEYS[i]) < ttl then redis.call('EXPIRE', KEYS[i], ttl) end
end
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


def namespace_of(context: str) -> str:
    """The tenant namespace of a semantic context (``<namespace>|<digest>``, ``plan.py``)."""
    return context.partition("|")[0]


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

    async def add(
        self, context: str, digest: str, vector: Vectors, ttl_s: int, generation: str
    ) -> int:
        """The hash's size after the add; 0 if the namespace was flushed since ``generation``."""
        namespace = namespace_of(context)
        keys = [vectors_key(context), vector_hashes_key(namespace), gen_key(namespace)]
        size = await self.store.run_script(
            VECTOR_ADD, keys, [digest, pack(vector), ttl_s, generation]
        )
        return int(size)

    async def load(self, context: str) -> tuple[list[str], list[bytes]]:
        """Every digest and its packed vector (``unpack_many`` them on a worker thread)."""
        flat = await self.store.run_script(VECTOR_ALL, [vectors_key(context)])
        return [d.decode() for d in flat[0::2]], list(flat[1::2])

    async def remove(self, context: str, digest: str) -> None:
        await self.store.run_script(VECTOR_REMOVE, [vectors_key(context)], [digest])
