"""The exact cache's entries in the store: get, put, drop and flush per tenant namespace."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from llm_gateway.cache.scripts import CACHE_DROP, CACHE_FLUSH, CACHE_GET, CACHE_PUT
from llm_gateway.core.store import Store


@dataclass(frozen=True, slots=True)
class Entry:
    """A stored answer: the canonical completion and the prompt text it answered."""

    response: dict[str, Any]
    query: str | None
    created_at: float
    context: str | None = None  # the semantic namespace it is indexed in, if any


def gen_key(namespace: str) -> str:
    return f"cache:gen:{namespace}"


def entry_prefix(namespace: str) -> str:
    return f"cache:x:{namespace}:"


def vector_hashes_key(namespace: str) -> str:
    """The names of the namespace's vector hashes (``cache:v:<context>``), for its flush."""
    return f"cache:vh:{namespace}"


def encode_entry(entry: Entry) -> bytes:
    return orjson.dumps(
        {"r": entry.response, "q": entry.query, "c": entry.created_at, "s": entry.context}
    )


def decode_entry(raw: bytes) -> Entry | None:
    try:
        data = orjson.loads(raw)
        return Entry(data["r"], data.get("q"), float(data.get("c") or 0), data.get("s"))
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return None  # written by another version: a miss


class ExactEntries:
    """Round trips to the store; callers handle ``StoreUnavailableError``."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def get(self, namespace: str, digest: str) -> tuple[str, Entry | None]:
        """The namespace's generation and the entry at ``digest`` (one round trip)."""
        result = await self.store.run_script(
            CACHE_GET, [gen_key(namespace), entry_prefix(namespace)], [digest]
        )
        gen = result[0].decode() if isinstance(result[0], bytes) else str(result[0])
        entry = decode_entry(result[1]) if len(result) > 1 else None
        return gen, entry

    async def put(
        self, namespace: str, digest: str, entry: Entry, *, ttl_s: int, generation: str
    ) -> bool:
        stored = await self.store.run_script(
            CACHE_PUT,
            [gen_key(namespace), entry_prefix(namespace)],
            [digest, encode_entry(entry), ttl_s, generation],
        )
        return bool(stored)

    async def drop(self, namespace: str, digest: str) -> bool:
        dropped = await self.store.run_script(
            CACHE_DROP, [gen_key(namespace), entry_prefix(namespace)], [digest]
        )
        return bool(dropped)

    async def flush(self, namespace: str) -> None:
        await self.store.run_script(CACHE_FLUSH, [gen_key(namespace), vector_hashes_key(namespace)])
