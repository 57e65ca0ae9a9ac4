"""Queries on users."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from llm_gateway.models.user import User


async def get(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id)


async def get_for_update(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    """The user row, locked until commit on PostgreSQL (SQLite serializes writers anyway)."""
    result = await session.execute(select(User).where(User.id == user_id).with_for_update())
    return result.scalar_one_or_none()


async def get_by_email(session: AsyncSession, email_normalized: str) -> User | None:
    result = await session.execute(select(User).where(User.email_normalized == email_normalized))
    return result.scalar_one_or_none()


async def add(session: AsyncSession, user: User) -> User:
    """Insert ``user``; a duplicate e-mail raises IntegrityError from the flush."""
    session.add(user)
    await session.flush()
    return user


async def count_active_admins(session: AsyncSession) -> int:
    """Active admins, with their rows locked (PostgreSQL) so two concurrent demotions cannot
    both see "another admin remains"."""
    result = await session.execute(
        select(User.id).where(User.role == "admin", User.is_active).with_for_update()
    )
    return len(result.scalars().all())
