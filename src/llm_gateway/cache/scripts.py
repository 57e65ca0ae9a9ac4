"""Store scripts of the exact cache: Lua for Redis, a Python twin for the in-process store.

Entries live at ``<prefix><generation>:<digest>``; flushing a namespace bumps its generation, so
old entries become unreachable at once and expire by their TTL. A put carries the generation its
lookup saw and is dropped if a flush happened in between (no stale answer outlives a flush).
A flush also deletes the namespace's semantic vector hashes, which ``semantic/store.py`` lists
in ``cache:vh:<namespace>`` as it creates them.
"""

from __future__ import annotations

from collections.abc import Sequence

from llm_gateway.core.store.base import MemoryData, ScriptArg, ScriptResult, StoreScript


def _text(arg: ScriptArg) -> str:
    return arg.decode() if isinstance(arg, bytes) else str(arg)


def _gen(data: MemoryData, key: str) -> bytes:
    value = data.get(key)
    return value if isinstance(value, bytes) else b"0"


def _get(data: MemoryData, keys: Sequence[str], args: Sequence[ScriptArg]) -> ScriptResult:
    gen = _gen(data, keys[0])
    value = data.get(f"{keys[1]}{gen.decode()}:{_text(args[0])}")
    return [gen] if value is None else [gen, value]


def _put(data: MemoryData, keys: Sequence[str], args: Sequence[ScriptArg]) -> ScriptResult:
    gen = _gen(data, keys[0])
    if gen.decode() != _text(args[3]):
        return 0
    value = args[1] if isinstance(args[1], bytes) else _text(args[1]).encode()
    data.set(f"{keys[1]}{gen.decode()}:{_text(args[0])}", value, float(_text(args[2])))
    return 1


def _drop(data: MemoryData, keys: Sequence[str], args: Sequence[ScriptArg]) -> ScriptResult:
    gen = _gen(data, keys[0])
    return int(data.delete(f"{keys[1]}{gen.decode()}:{_text(args[0])}"))


def _flush(data: MemoryData, keys: Sequence[str], args: Sequence[ScriptArg]) -> ScriptResult:
    gen = int(_gen(data, keys[0])) + 1
    data.set(keys[0], str(gen).encode())
    hashes = data.get(keys[1])
    for key in hashes if isinstance(hashes, dict) else ():
        data.delete(key.decode())
    data.delete(keys[1])
    return gen


CACHE_GET = StoreScript(
    name="cache_get",
    lua="""
local g = redis.call('GET', KEYS[1]) or '0'
local v = redis.call('GET', KEYS[2] .. g .. ':' .. ARGV[1])
if v then return {g, v} end
return {g}
""",
    python=_get,
)

CACHE_PUT = StoreScript(
    name="cache_put",
    lua="""
local g = redis.call('GET', KEYS[1]) or '0'
if g ~= ARGV[4] then return 0 end
redis.call('SET', KEYS[2] .. g .. ':' .. ARGV[1], ARGV[2], 'EX', ARGV[3])
return 1
""",
    python=_put,
)

CACHE_DROP = StoreScript(
    name="cache_drop",
    lua="""
local g = redis.call('GET', KEYS[1]) or '0'
return redis.call('DEL', KEYS[2] .. g .. ':' .. ARGV[1])
""",
    python=_drop,
)

# KEYS[2] lists the namespace's live vector hashes (a sorted set of full key names, one per
# semantic context, ``semantic/store.py``): they go with the entries. Why a list kept by the
# vector add and not SCAN: a SCAN walks the whole keyspace (every tenant's keys) over many round
# trips, and a hash created between its pages could be missed; the list costs one member per
# live context (expired ones leave it as vectors are added), and the script deletes exactly
# those, atomically with the generation bump (a vector added after it starts a new list). UNLINK
# frees the hashes' memory off Redis's main thread. The keys are not in KEYS: fine on one Redis
# (our deployment), not on Redis Cluster. unpack() is fed 1000 names at a time (Lua's stack
# limit).
CACHE_FLUSH = StoreScript(
    name="cache_flush",
    lua="""
local g = redis.call('INCR', KEYS[1])
local hashes
if redis.call('TYPE', KEYS[2]).ok == 'hash' then  -- the list's first form (see semantic/store.py)
  hashes = redis.call('HKEYS', KEYS[2])
else
  hashes = redis.call('ZRANGE', KEYS[2], 0, -1)
end
for i = 1, #hashes, 1000 do
  redis.call('UNLINK', unpack(hashes, i, math.min(i + 999, #hashes)))
end
redis.call('DEL', KEYS[2])
return g
""",
    python=_flush,
)
