"""Queries on refresh tokens (rotation families) and password-reset tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from llm_gateway.models.auth_tokens import PasswordResetToken, RefreshToken


async def add_refresh(session: AsyncSession, token: RefreshToken) -> RefreshToken:
    session.add(token)
    await session.flush()
    return token


async def get_refresh_by_hash(session: AsyncSession, token_hash: str) -> RefreshToken | None:
    result = await session.execute(
        select(RefreshToken).where(RefreshToken.token_hash == token_hash)
    )
    return result.scalar_one_or_none()


async def mark_rotated(session: AsyncSession, token_id: uuid.UUID, now: datetime) -> bool:
    """Spend a refresh token; False when a concurrent request already spent or revoked it."""
    result: CursorResult[tuple[()]] = await session.execute(  # type: ignore[assignment]
        update(RefreshToken)
        .where(
            RefreshToken.id == token_id,
            RefreshToken.rotated_at.is_(None),
            RefreshToken.revoked_at.is_(None),
        )
        .values(rotated_at=now)
    )
    return result.rowcount == 1


async def revoke_family(
    session: AsyncSession, family_id: uuid.UUID, now: datetime, reason: str
) -> None:
    """Revoke every live token of one refresh family (one login session)."""
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )


async def revoke_all_for_user(
    session: AsyncSession, user_id: uuid.UUID, now: datetime, reason: str
) -> None:
    """Revoke every live refresh token of ``user_id`` (all sessions)."""
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )


async def delete_expired_for_user(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> None:
    """Drop a user's long-expired refresh rows (housekeeping done at login)."""
    await session.execute(
        delete(RefreshToken).where(RefreshToken.user_id == user_id, RefreshToken.expires_at < now)
    )


async def add_reset(session: AsyncSession, token: PasswordResetToken) -> PasswordResetToken:
    session.add(token)
    await session.flush()
    return token


async def get_reset_by_hash(session: AsyncSession, token_hash: str) -> PasswordResetToken | None:
    result = await session.execute(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == token_hash)
    )
    return result.scalar_one_or_none()


async def consume_reset(session: AsyncSession, token_id: uuid.UUID, now: datetime) -> bool:
    """Mark a reset token used; False when it was already used (single use, race-safe)."""
    result: CursorResult[tuple[()]] = await session.execute(  # type: ignore[assignment]
        update(PasswordResetToken)
        .where(PasswordResetToken.id == token_id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )
    return result.rowcount == 1


async def expire_outstanding_resets(
    session: AsyncSession, user_id: uuid.UUID, now: datetime
) -> None:
    """Retire a user's unused reset tokens, so only the newest link works."""
    await session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user_id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )
