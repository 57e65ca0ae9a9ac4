"""Revoked access tokens and sessions, remembered in the store until the tokens would expire.

When the store cannot be reached this fails closed: ``is_denied`` raises StoreUnavailableError,
so every access-token request answers 503 (API keys, checked without the store, keep working),
and a logout answers 503 with nothing revoked, to be retried. Failing open would revive every
logged-out and stolen-then-revoked token for as long as the store is away.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from llm_gateway.core.store import MemoryData, Store, StoreScript
from llm_gateway.core.store.base import ScriptArg


def _count_present(data: MemoryData, keys: Sequence[str], _: Sequence[ScriptArg]) -> int:
    return sum(1 for key in keys if data.get(key) is not None)


# One round trip checks both the token and its session.
ANY_DENIED = StoreScript(
    name="auth_any_denied",
    lua="return redis.call('EXISTS', unpack(KEYS))",
    python=_count_present,
)


def _token_key(token_id: str) -> str:
    return f"auth:deny:jti:{token_id}"


def _session_key(session_id: uuid.UUID) -> str:
    return f"auth:deny:sid:{session_id}"


async def deny_token(store: Store, token_id: str, ttl_s: float) -> None:
    """Refuse the access token ``token_id`` for ``ttl_s`` seconds (its remaining lifetime)."""
    await store.set(_token_key(token_id), b"1", ttl_s=ttl_s)


async def deny_session(store: Store, session_id: uuid.UUID, ttl_s: float) -> None:
    """Refuse every access token of the refresh family ``session_id`` for ``ttl_s`` seconds."""
    await store.set(_session_key(session_id), b"1", ttl_s=ttl_s)


async def is_denied(store: Store, token_id: str, session_id: uuid.UUID) -> bool:
    """Whether the token or its session was revoked; raises StoreUnavailableError (fail closed)."""
    found = await store.run_script(ANY_DENIED, [_token_key(token_id), _session_key(session_id)])
    return int(found) > 0
