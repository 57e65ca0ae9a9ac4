"""Credential → Principal for access tokens and API keys: the per-request path, cache first.

A cache hit costs no database query: an API key needs none at all, an access token one store
round trip (the revocation list). Misses load the row once, shared by concurrent callers.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from llm_gateway.core.db_errors import is_unavailable
from llm_gateway.core.exceptions import AuthenticationError, ServiceUnavailableError
from llm_gateway.models.api_key import ApiKey
from llm_gateway.models.user import User
from llm_gateway.repositories import api_keys as api_keys_repo
from llm_gateway.repositories import users as users_repo
from llm_gateway.services.auth.cache import CachedKey, CachedUser
from llm_gateway.services.auth.credentials import is_well_formed_api_key
from llm_gateway.services.auth.denylist import is_denied
from llm_gateway.services.auth.principal import (
    ALL_SCOPES,
    AuthMethod,
    Principal,
    account_disabled_error,
    scopes_for_role,
)
from llm_gateway.services.auth.runtime import AuthRuntime
from llm_gateway.services.auth.tokens import invalid_token_error


@asynccontextmanager
async def _read_session(auth: AuthRuntime) -> AsyncIterator[AsyncSession]:
    try:
        async with auth.session_factory() as session:
            yield session
    except (DBAPIError, OSError, TimeoutError) as exc:
        # Down, starting up or shutting down: a 503, never a 500 (docs/OPERATIONS.md).
        if not is_unavailable(exc):
            raise
        raise ServiceUnavailableError("database unavailable", code="database_unavailable") from exc


def cached_user(user: User) -> CachedUser:
    return CachedUser(
        id=user.id,
        email=user.email,
        role=user.role,
        tier=user.tier,
        is_active=user.is_active,
        token_version=user.token_version,
    )


def cached_key(key: ApiKey) -> CachedKey:
    return CachedKey(
        id=key.id,
        user_id=key.user_id,
        scopes=frozenset(key.scopes) & ALL_SCOPES,
        expires_at=key.expires_at,
        revoked=key.revoked_at is not None,
        cache_shared=key.cache_shared,
    )


async def user_state(auth: AuthRuntime, user_id: uuid.UUID) -> CachedUser | None:
    """The user's auth-relevant state: cached, or one shared database read on a miss."""

    async def load() -> CachedUser | None:
        async with _read_session(auth) as session:
            user = await users_repo.get(session, user_id)
        return cached_user(user) if user is not None else None

    return await auth.cache.users.get_or_load(user_id, load)


def _principal(
    user: CachedUser,
    auth_method: AuthMethod,
    scopes: frozenset[str],
    *,
    api_key_id: uuid.UUID | None = None,
    token_id: str | None = None,
    session_id: uuid.UUID | None = None,
    cache_shared: bool = False,
) -> Principal:
    """A principal with the user's *current* role and tier (never a token's copy of them);
    403 ``account_disabled`` for a deactivated user, whatever the credential."""
    if not user.is_active:
        raise account_disabled_error()
    return Principal(
        auth_method=auth_method,
        role="admin" if user.role == "admin" else "user",
        tier=user.tier,
        user_id=user.id,
        email=user.email,
        api_key_id=api_key_id,
        scopes=scopes,
        token_id=token_id,
        session_id=session_id,
        cache_shared=cache_shared,
    )


async def resolve_api_key(auth: AuthRuntime, api_key: str) -> Principal:
    """The principal for a user API key, or AuthenticationError / PermissionDeniedError."""
    if not is_well_formed_api_key(api_key):
        raise AuthenticationError("Invalid API key", code="invalid_api_key")
    key_hash = auth.hash_secret(api_key)

    async def load() -> CachedKey | None:
        user_epoch = auth.cache.users.epoch
        async with _read_session(auth) as session:
            found = await api_keys_repo.get_with_user_by_hash(session, key_hash)
        if found is None:
            return None
        key, user = found
        auth.cache.users.put(user.id, cached_user(user), epoch=user_epoch)
        return cached_key(key)

    key = await auth.cache.keys.get_or_load(key_hash, load)
    if key is None:
        raise AuthenticationError("Invalid API key", code="invalid_api_key")
    if key.revoked:
        raise AuthenticationError("This API key has been revoked", code="api_key_revoked")
    if key.expires_at is not None and key.expires_at <= datetime.now(UTC):
        raise AuthenticationError("This API key has expired", code="api_key_expired")
    user = await user_state(auth, key.user_id)
    if user is None:
        raise AuthenticationError("Invalid API key", code="invalid_api_key")
    principal = _principal(
        user, "api_key", key.scopes, api_key_id=key.id, cache_shared=key.cache_shared
    )
    auth.last_used.touch(key.id, time.time())
    return principal


async def resolve_access_token(auth: AuthRuntime, token: str) -> Principal:
    """The principal for an access JWT: signature and claims, revocation, current user state."""
    claims = auth.tokens.decode(token)
    if await is_denied(auth.store, claims.token_id, claims.session_id):
        raise invalid_token_error("Access token has been revoked", "token_revoked")
    user = await user_state(auth, claims.user_id)
    if user is not None and claims.version > user.token_version:
        # Issued after our cached read (a password change on another instance): re-read once.
        auth.cache.users.discard(user.id)
        user = await user_state(auth, claims.user_id)
    if user is not None and not user.is_active:
        raise account_disabled_error()  # the answer a deactivated user gets for every credential
    if user is None or claims.version != user.token_version:
        raise invalid_token_error("Access token has been revoked", "token_revoked")
    return _principal(
        user,
        "jwt",
        scopes_for_role(user.role),
        token_id=claims.token_id,
        session_id=claims.session_id,
    )
