"""Users' own API keys: create (secret shown once), list, revoke. Always filtered by owner."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from llm_gateway.core.exceptions import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    UnprocessableError,
)
from llm_gateway.core.logging import get_logger
from llm_gateway.models.api_key import ApiKey
from llm_gateway.repositories import api_keys as api_keys_repo
from llm_gateway.schemas.users import ApiKeyCreate, ApiKeyCreated, ApiKeyOut
from llm_gateway.services.auth.credentials import new_api_key, visible_prefix
from llm_gateway.services.auth.principal import SCOPE_ADMIN, Principal
from llm_gateway.services.auth.runtime import AuthRuntime

_log = get_logger("llm_gateway.auth")


def _owner(principal: Principal) -> uuid.UUID:
    if principal.user_id is None:
        raise PermissionDeniedError("API keys belong to user accounts", code="user_required")
    return principal.user_id


def _expiry(data: ApiKeyCreate, now: datetime) -> datetime | None:
    if data.expires_in_days is not None:
        return now + timedelta(days=data.expires_in_days)
    if data.expires_at is not None and data.expires_at <= now:
        raise UnprocessableError(
            "expires_at must be in the future", code="invalid_expiry", param="expires_at"
        )
    return data.expires_at


async def create_api_key(
    session: AsyncSession, auth: AuthRuntime, principal: Principal, data: ApiKeyCreate
) -> ApiKeyCreated:
    """Create a key for the caller; the returned ``key`` is the only time the secret exists."""
    user_id = _owner(principal)
    scopes = sorted(set(data.scopes))
    if SCOPE_ADMIN in scopes and not principal.is_admin:
        raise PermissionDeniedError(
            "Only admins may create keys with the 'admin' scope",
            code="scope_not_allowed",
            param="scopes",
        )
    now = datetime.now(UTC)
    expires_at = _expiry(data, now)
    limit = auth.settings.auth.max_api_keys_per_user
    if await api_keys_repo.count_live_for_user(session, user_id, now) >= limit:
        raise ConflictError(
            f"API key limit reached ({limit} live keys); revoke one first",
            code="api_key_limit_reached",
        )
    secret = new_api_key()
    key = await api_keys_repo.add(
        session,
        ApiKey(
            user_id=user_id,
            name=data.name,
            prefix=visible_prefix(secret),
            key_hash=auth.hash_secret(secret),
            scopes=scopes,
            expires_at=expires_at,
        ),
    )
    _log.info("api key created", user_id=str(user_id), key_id=str(key.id), prefix=key.prefix)
    return ApiKeyCreated(**ApiKeyOut.model_validate(key).model_dump(), key=secret)


async def list_api_keys(
    session: AsyncSession, principal: Principal, *, include_revoked: bool
) -> Sequence[ApiKey]:
    """The caller's keys, newest first (revoked ones only when asked for)."""
    return await api_keys_repo.list_for_user(
        session, _owner(principal), include_revoked=include_revoked
    )


async def revoke_api_key(
    session: AsyncSession, auth: AuthRuntime, principal: Principal, key_id: uuid.UUID
) -> None:
    """Revoke one of the caller's keys; another user's key is a 404, exactly like a missing one."""
    user_id = _owner(principal)
    key = await api_keys_repo.get_for_user(session, user_id, key_id)
    if key is None:
        raise NotFoundError("API key not found", code="api_key_not_found")
    if key.revoked_at is None:
        key.revoked_at = datetime.now(UTC)
        await session.flush()
        auth.invalidator.after_commit(session, key_hashes=(key.key_hash,))
        _log.info("api key revoked", user_id=str(user_id), key_id=str(key.id))
