"""Administrative account changes, shared by the CLI and the /admin routes.

Each change that affects authentication queues a cache invalidation published after commit, so
every instance applies it within a second: a deactivated user's tokens and keys stop working,
a role or tier change takes effect on the next request.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from llm_gateway.core.exceptions import ConflictError, NotFoundError
from llm_gateway.core.logging import get_logger
from llm_gateway.models.api_key import ApiKey
from llm_gateway.models.user import User, UserRole, normalize_email
from llm_gateway.repositories import api_keys as api_keys_repo
from llm_gateway.repositories import auth_tokens as tokens_repo
from llm_gateway.repositories import users as users_repo
from llm_gateway.services.auth.runtime import AuthRuntime
from llm_gateway.services.quotas.tiers import require_tier

_log = get_logger("llm_gateway.auth")


async def set_user_access(
    session: AsyncSession,
    auth: AuthRuntime,
    user_id: uuid.UUID,
    *,
    role: UserRole | None = None,
    tier: str | None = None,
    is_active: bool | None = None,
) -> User:
    """Change a user's role, tier and/or active flag (None leaves a field unchanged).

    Deactivation also ends the user's sessions (refresh families and access tokens; API keys
    are refused while inactive and work again on reactivation). Removing the last active admin
    (demotion or deactivation) is refused with 409, so the gateway is never left unmanageable.

    Raises:
        UnprocessableError: ``tier`` is not a configured quota tier (checked first).
        NotFoundError: no such user.
        ConflictError: the change would leave no active admin.
    """
    if tier is not None:
        require_tier(auth.settings.quotas, tier)
    user = await users_repo.get_for_update(session, user_id)
    if user is None:
        raise NotFoundError("User not found", code="user_not_found")
    loses_admin = (
        user.role == "admin"
        and user.is_active
        and ((role is not None and role != "admin") or is_active is False)
    )
    if loses_admin and await users_repo.count_active_admins(session) <= 1:
        raise ConflictError("Cannot remove the last active admin", code="last_admin")
    if role is not None:
        user.role = role
    if tier is not None:
        user.tier = tier
    if is_active is not None:
        if user.is_active and not is_active:
            await tokens_repo.revoke_all_for_user(
                session, user.id, datetime.now(UTC), "deactivated"
            )
            # Access tokens die for good, not only while the account is off: reactivating a
            # compromised account must not revive the tokens that were out at the time.
            user.token_version += 1
        user.is_active = is_active
    await session.flush()
    auth.invalidator.after_commit(session, user_ids=(user.id,))
    _log.info(
        "user access changed",
        user_id=str(user.id),
        role=user.role,
        tier=user.tier,
        is_active=user.is_active,
    )
    return user


async def set_key_cache_shared(
    session: AsyncSession, auth: AuthRuntime, key_id: uuid.UUID, shared: bool
) -> None:
    """Put one API key's cache entries in the shared namespace (or back in its owner's).

    Only an admin reaches this; every instance drops its cached copy of the key after commit,
    so the next request is keyed by the new setting."""
    key = await session.get(ApiKey, key_id)
    if key is None:
        raise NotFoundError("API key not found", code="api_key_not_found")
    if key.cache_shared != shared:
        key.cache_shared = shared
        await session.flush()
        auth.invalidator.after_commit(session, key_hashes=(key.key_hash,))
        _log.info("api key cache sharing set", key_id=str(key_id), shared=shared)


async def revoke_all_api_keys(session: AsyncSession, auth: AuthRuntime, user_id: uuid.UUID) -> int:
    """Revoke every live API key of ``user_id``; returns how many were revoked."""
    hashes = await api_keys_repo.revoke_all_for_user(session, user_id, datetime.now(UTC))
    if hashes:
        auth.invalidator.after_commit(session, key_hashes=tuple(hashes))
        _log.info("api keys revoked", user_id=str(user_id), count=len(hashes))
    return len(hashes)


async def find_user_by_email(session: AsyncSession, email: str) -> User:
    """The user with this e-mail (any case), or NotFoundError."""
    user = await users_repo.get_by_email(session, normalize_email(email))
    if user is None:
        raise NotFoundError(f"No user with e-mail {email}", code="user_not_found")
    return user
